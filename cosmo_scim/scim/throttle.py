"""Rate limits of the SCIM API: a budget of requests per API key and per organization, and a
budget of failed authentications per client address. Over any, the client gets
``429 Too Many Requests`` with ``Retry-After`` (RFC 6585 §4), which Okta and Entra honour by
pausing and retrying.

- **Per key and per organization, after authentication.** Each organization's key has its
  own budget (``COSMO_SCIM["RATE_LIMIT"]`` requests per second), so one tenant's flood — a
  loop in a misconfigured IdP, a leaked key — is refused cheaply (before any resource work)
  and never spends another tenant's budget. All of an organization's keys together have
  ``ORGANIZATION_RATE_LIMIT``: an org admin can mint keys without a cap, and four keys
  would otherwise get four times one key's rate through. Only authenticated requests
  count: nobody can spend a key's budget without holding the key. The default per key is
  twice the rate Microsoft asks SCIM services to sustain per Entra provisioning job
  (25/s); an Okta or Entra bulk import, paced by our own response times, stays under it.
  The organization's default is two keys' worth, so an organization moving from one IdP
  to another runs both at full speed.
- **Failed authentications per client address.** After ``AUTH_FAILURE_LIMIT`` bad or
  revoked keys in a minute from one address, its further *failures* answer 429 for the
  rest of that minute instead of 401, and are logged once rather than each. A request with
  a good key is never refused by it: IdPs send from shared egress addresses (every Okta
  organization provisions from Okta's), so locking an address would let one tenant's stale
  key — or an attacker — lock out every other tenant behind it.

Counting uses Django's default cache in fixed windows, by the key's prefix (never its
secret) and the organization's id. With Redis the counts of a request are one exchange: a
pipeline of ``INCR`` and ``EXPIRE`` per budget, atomic and shared by every worker. Another
cache counts with its own atomic ``incr`` (or ``add`` for a window's first request), per
process for the memory cache. The cache is an aid, not a dependency: when it fails,
requests pass (logged, at most once a minute), because a cache outage must not become a
provisioning outage.
"""

import logging
import math
import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from .. import conf
from ..protocol.errors import ScimError

logger = logging.getLogger("cosmo_scim.throttle")

KEY_WINDOW = 1  # seconds: RATE_LIMIT and ORGANIZATION_RATE_LIMIT are per second
FAILURE_WINDOW = 60  # seconds: AUTH_FAILURE_LIMIT is per minute

_last_cache_warning = 0.0


def _count(names, window):
    """Add one to each of ``names``' counts in the current window: (counts, seconds left in
    it). Zeros when the cache cannot be reached."""
    now = time.time()
    start = math.floor(now / window) * window
    slots = [f"cosmo_scim:throttle:{name}:{start}" for name in names]
    # The slot outlives its window a little, so that no increment during the window can
    # race its expiry and recreate it without a TTL.
    ttl = window + 2
    cache = caches["default"]
    try:
        if isinstance(cache, RedisCache):
            counts = _redis_incr(cache, slots, ttl)
        else:
            counts = [_incr(cache, slot, ttl) for slot in slots]
    except Exception as exc:  # any cache backend's connection error
        _warn_cache(exc)
        return [0] * len(names), 0
    return counts, start + window - now


def _redis_incr(cache, slots, ttl):
    """Every slot's INCR and EXPIRE in one round trip. Django's own ``incr`` asks EXISTS
    before INCR (two round trips per slot), so the pipeline goes to its client directly;
    INCR creates a missing slot at 1, and Django reads the stored integer as it is."""
    keys = [cache.make_and_validate_key(slot) for slot in slots]
    pipeline = cache._cache.get_client(keys[0], write=True).pipeline(transaction=False)
    for key in keys:
        pipeline.incr(key)
        pipeline.expire(key, ttl)
    return pipeline.execute()[::2]


def _incr(cache, slot, ttl):
    try:
        return cache.incr(slot)
    except ValueError:  # the window's first request (or a race with another's)
        return 1 if cache.add(slot, 1, timeout=ttl) else cache.incr(slot)


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
    """Count one request of an authenticated key, against its own budget and its
    organization's; raise 429 once either is spent."""
    budgets = [
        (f"key:{api_key.prefix}", conf.get("RATE_LIMIT"), "with this API key"),
        (
            f"organization:{api_key.organization_id}",
            conf.get("ORGANIZATION_RATE_LIMIT"),
            "with this organization's API keys together",
        ),
    ]
    budgets = [budget for budget in budgets if budget[1] is not None]
    if not budgets:
        return
    counts, seconds_left = _count([name for name, _, _ in budgets], KEY_WINDOW)
    for count, (_, limit, whose) in zip(counts, budgets, strict=True):
        if count > limit:
            raise _too_many(
                f"Too many requests {whose} (the limit is {limit} per second).", seconds_left
            )


def failed_authentication(remote_addr):
    """Count one failed authentication from ``remote_addr``. None while the address is within
    its budget (the caller answers 401 and logs); else the 429 to answer instead."""
    limit = conf.get("AUTH_FAILURE_LIMIT")
    if limit is None:
        return None
    [count], seconds_left = _count([f"auth-failures:{remote_addr or '-'}"], FAILURE_WINDOW)
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
