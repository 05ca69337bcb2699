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
secret) and the organization's id. With Redis a process *reserves* part of a window's
budget — one ``INCRBY`` of :func:`reservation` tokens and an ``EXPIRE`` per budget, one
exchange, shared by every worker — and spends it request by request in memory, asking again
when it has none left: most requests make no round trip. The budget holds exactly: each
``INCRBY`` is atomic, so the reservations of a window are disjoint runs of the shared count,
and a process keeps only the part of its run below the limit; every admitted request spends
one token of its own window. A process may end a window holding tokens it did not spend, so
a key can be refused up to workers x (reservation - 1) requests before its count reaches
the limit — never after it. Another cache counts each request with its own atomic ``incr``
(or ``add`` for a window's first request), per process for the memory cache. The cache is
an aid, not a dependency: when it fails, requests pass (logged, at most once a minute),
because a cache outage must not become a provisioning outage.
"""

import logging
import math
import threading
import time
from typing import TYPE_CHECKING

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import BaseCache

from .. import conf
from ..cache_redis import redis_client
from ..models import APIKey
from ..protocol.errors import ScimError

if TYPE_CHECKING:
    from redis import Redis

logger = logging.getLogger("cosmo_scim.throttle")

KEY_WINDOW = 1  # seconds: RATE_LIMIT and ORGANIZATION_RATE_LIMIT are per second
FAILURE_WINDOW = 60  # seconds: AUTH_FAILURE_LIMIT is per minute

# A process reserves a tenth of a per-second budget at a time: a round trip per ten
# requests at worst, and at most 10% of a limit held unspent per process at a window's end.
RESERVATION_SHARE = 10

_last_cache_warning = 0.0

# Tokens this process has reserved and not spent, by budget slot, for the window it is in.
_reserved: dict[str, int] = {}
_reserved_window = [0.0]
_reserved_lock = threading.Lock()


def reservation(limit: int) -> int:
    """How many tokens of a budget of ``limit`` per window one reservation asks for."""
    return max(1, limit // RESERVATION_SHARE)


def _spend(client: "Redis", names: list[str], limits: list[int]) -> tuple[list[bool], float]:
    """Spend one token of each budget, from this process's reservations in the current
    window, reserving more from Redis for those it has none of: (whether each budget had a
    token, seconds left in the window). Every budget passes when Redis cannot be reached."""
    now = time.time()
    start = math.floor(now / KEY_WINDOW) * KEY_WINDOW
    slots = [f"cosmo_scim:throttle:{name}:{start}" for name in names]
    with _reserved_lock:
        if _reserved_window[0] != start:
            _reserved.clear()
            _reserved_window[0] = start
        short = [i for i, slot in enumerate(slots) if not _reserved.get(slot)]
    if short:
        asked = [reservation(limits[i]) for i in short]
        try:
            totals = _redis_incr(client, [slots[i] for i in short], KEY_WINDOW + 2, asked)
        except Exception as exc:  # the connection's failure, whatever the client raises
            _warn_cache(exc)
            return [True] * len(names), 0
        with _reserved_lock:
            for i, ask, total in zip(short, asked, totals, strict=True):
                # This reservation is the run [total - ask, total) of the shared count.
                granted = max(0, min(ask, limits[i] - (total - ask)))
                _reserved[slots[i]] = _reserved.get(slots[i], 0) + granted
    spent = []
    with _reserved_lock:
        for slot in slots:
            spent.append(_reserved.get(slot, 0) > 0)
            if spent[-1]:
                _reserved[slot] -= 1
    return spent, start + KEY_WINDOW - now


def _count(names: list[str], window: int) -> tuple[list[int], float]:
    """Add one to each of ``names``' counts in the current window: (counts, seconds left in
    it). Zeros when the cache cannot be reached."""
    now = time.time()
    start = math.floor(now / window) * window
    slots = [f"cosmo_scim:throttle:{name}:{start}" for name in names]
    # The slot outlives its window a little, so that no increment during the window can
    # race its expiry and recreate it without a TTL.
    ttl = window + 2
    client = redis_client(DEFAULT_CACHE_ALIAS)
    try:
        if client is not None:
            counts = _redis_incr(client, slots, ttl)
        else:
            counts = [_incr(caches[DEFAULT_CACHE_ALIAS], slot, ttl) for slot in slots]
    except Exception as exc:  # any cache backend's connection error
        _warn_cache(exc)
        return [0] * len(names), 0
    return counts, start + window - now


def _redis_incr(
    client: "Redis", slots: list[str], ttl: int, amounts: list[int] | None = None
) -> list[int]:
    """Every slot's INCRBY (``amounts``, 1 each by default) and EXPIRE in one round trip.
    Django's own ``incr`` asks EXISTS before INCR (two round trips per slot), so the
    pipeline goes to the cache's server directly (cache_redis.py), under the cache's own key
    names; INCRBY creates a missing slot at its amount, and Django reads the stored integer
    as it is."""
    keys = [caches[DEFAULT_CACHE_ALIAS].make_and_validate_key(slot) for slot in slots]
    pipeline = client.pipeline(transaction=False)
    for key, amount in zip(keys, amounts or [1] * len(keys), strict=True):
        pipeline.incrby(key, amount)
        pipeline.expire(key, ttl)
    return pipeline.execute()[::2]


def _incr(cache: BaseCache, slot: str, ttl: int) -> int:
    try:
        return cache.incr(slot)
    except ValueError:  # the window's first request (or a race with another's)
        return 1 if cache.add(slot, 1, timeout=ttl) else cache.incr(slot)


def _warn_cache(exc: Exception) -> None:
    global _last_cache_warning
    if time.monotonic() - _last_cache_warning > 60:
        _last_cache_warning = time.monotonic()
        logger.warning("Rate limits not applied: the cache is unreachable (%s)", exc)


def _too_many(detail: str, seconds_left: float) -> ScimError:
    retry_after = max(1, math.ceil(seconds_left))
    return ScimError(
        429, f"{detail} Retry after {retry_after} s.", headers={"Retry-After": str(retry_after)}
    )


def check_key(api_key: APIKey) -> None:
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
    names = [name for name, _, _ in budgets]
    client = redis_client(DEFAULT_CACHE_ALIAS)
    if client is not None:
        spent, seconds_left = _spend(client, names, [limit for _, limit, _ in budgets])
    else:
        counts, seconds_left = _count(names, KEY_WINDOW)
        spent = [count <= limit for count, (_, limit, _) in zip(counts, budgets, strict=True)]
    for within, (_, limit, whose) in zip(spent, budgets, strict=True):
        if not within:
            raise _too_many(
                f"Too many requests {whose} (the limit is {limit} per second).", seconds_left
            )


def failed_authentication(remote_addr: str | None) -> ScimError | None:
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
