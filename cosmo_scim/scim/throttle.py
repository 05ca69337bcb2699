"""Rate limits of the SCIM API: a budget of requests per API key, and a budget of failed
authentications per client address. Over either, the client gets ``429 Too Many Requests``
with ``Retry-After`` (RFC 6585 §4), which Okta and Entra honour by pausing and retrying.

- **Per key, after authentication.** Each organization's key has its own budget
  (``COSMO_SCIM["RATE_LIMIT"]`` requests per second), so one tenant's flood — a loop in a
  misconfigured IdP, a leaked key — is refused cheaply (one cache round trip, before any
  resource work) and never spends another tenant's budget. Only authenticated requests
  count: nobody can spend a key's budget without holding the key. The default is twice the
  rate Microsoft asks SCIM services to sustain per Entra provisioning job (25/s); an Okta or
  Entra bulk import, paced by our own response times, stays under it.
- **Failed authentications per client address.** After ``AUTH_FAILURE_LIMIT`` bad or
  revoked keys in a minute from one address, its further *failures* answer 429 for the
  rest of that minute instead of 401, and are logged once rather than each. A request with
  a good key is never refused by it: IdPs send from shared egress addresses (every Okta
  organization provisions from Okta's), so locking an address would let one tenant's stale
  key — or an attacker — lock out every other tenant behind it.

Counting uses Django's default cache in fixed windows, by the key's prefix (never its
secret). ``incr`` (or ``add`` for a window's first request) is atomic in Redis and in the
per-process memory cache, so the count is shared by every worker when ``CACHE_URL`` names
Redis and per process otherwise. The cache is an aid, not a dependency: when it fails,
requests pass (logged, at most once a minute), because a cache outage must not become a
provisioning outage.
"""

import logging
import math
import time

from django.core.cache import cache

from .. import conf
from ..protocol.errors import ScimError

logger = logging.getLogger("cosmo_scim.throttle")

KEY_WINDOW = 1  # seconds: RATE_LIMIT is per second
FAILURE_WINDOW = 60  # seconds: AUTH_FAILURE_LIMIT is per minute

_last_cache_warning = 0.0


def _count(name, window):
    """Add one to ``name``'s count in the current window: (count, seconds left in it).
    (0, 0) when the cache cannot be reached."""
    now = time.time()
    start = math.floor(now / window) * window
    slot = f"cosmo_scim:throttle:{name}:{start}"
    try:
        try:
            count = cache.incr(slot)
        except ValueError:  # the window's first request (or a race with another's)
            # The slot outlives its window a little, so that no increment during the
            # window can race its expiry and recreate it without a TTL.
            count = 1 if cache.add(slot, 1, timeout=window + 2) else cache.incr(slot)
    except Exception as exc:  # any cache backend's connection error
        _warn_cache(exc)
        return 0, 0
    return count, start + window - now


def _warn_cache(exc):
    global _last_cache_warning
    if time.monotonic() - _last_cache_warning > 60:
        _last_cache_warning = time.monotonic()
        logger.warning("Rate limits not applied: the cache is unreachable (%s)", exc)


def _too_many(detail, seconds_left):
    retry_after = max(1, math.ceil(seconds_left))
    return ScimError(
        429, f"{detail} Retry after {retry_after} s.", headers={"Retry-After": str(retry_after)}
    )


def check_key(api_key):
    """Count one request of an authenticated key; raise 429 once it is over its budget."""
    limit = conf.get("RATE_LIMIT")
    if limit is None:
        return
    count, seconds_left = _count(f"key:{api_key.prefix}", KEY_WINDOW)
    if count > limit:
        raise _too_many(
            f"Too many requests with this API key (the limit is {limit} per second).",
            seconds_left,
        )


def failed_authentication(remote_addr):
    """Count one failed authentication from ``remote_addr``. None while the address is within
    its budget (the caller answers 401 and logs); else the 429 to answer instead."""
    limit = conf.get("AUTH_FAILURE_LIMIT")
    if limit is None:
        return None
    count, seconds_left = _count(f"auth-failures:{remote_addr or '-'}", FAILURE_WINDOW)
    if count <= limit:
        return None
    if count == limit + 1:
        logger.warning(
            "%s failed API key authentications from %s within a minute: answering 429 "
            "to its failures for %d s",
            count,
            remote_addr,
            math.ceil(seconds_left),
        )
    return _too_many("Too many failed authentications from this address.", seconds_left)
