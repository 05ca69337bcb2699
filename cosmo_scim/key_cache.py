"""Verified API keys, remembered between requests, so that authenticating costs no query.

An IdP sends its key with every request; reading the key and its organization from the
database each time was the one query of the authenticated floor. Here the key row (with its
organization, as authentication loaded it) is kept in Django's default cache under the
key's prefix, next to an **access version** of that prefix. An entry is used only while the
version it was stored under is still the current one, and every change that could make the
database refuse the key replaces the version (:func:`access_changed`): a revocation or
rotation, an edit of its expiry or SCIM flag, its deletion, and any change of its
organization (the plan check reads the organization row). The next request then misses,
reads the database and is refused, whichever worker or process made the change.

Correctness, case by case:

- *A reader racing the change.* The version is replaced twice: inside the changing
  transaction (readers from then on miss) and again after its COMMIT. A reader that read
  the row before the commit stored it under a version the second replacement retires, so
  no entry outlives the commit of a change that refuses its key.
- *What is remembered.* The stored hash, never the key: each request still checks the
  presented key against it (SHA-512 and a constant-time comparison, microseconds; an entry
  is only written for a key already on the fast hasher), then the expiry against the clock
  (``APIKey.refusal``), then — in the SCIM view — the plan on the remembered organization.
- *A per-process cache cannot be told.* With Django's LocMemCache (no ``CACHE_URL``) a
  revocation made by one worker, the admin or a management command would not reach the
  other processes' memory, so nothing is remembered: authentication reads the database on
  every request, as before. Any shared backend (Redis, Memcached, the database or file
  cache) is used.
- *The cache failing.* A read error falls back to the database. A failed version
  replacement is logged (``cosmo_scim.auth``) and cannot be retried into a cache that is
  down; entries expire after ``KEY_LAST_USED_RESOLUTION`` seconds, which bounds what a
  cache that lost a replacement but kept its entries could serve.
- *The host's own changes.* A change of the organization model sends ``post_save`` and is
  caught (receivers.py). A host that changes organizations with ``QuerySet.update()`` or
  raw SQL, or whose ``HostAdapter.scim_allowed`` reads another table (a subscription, a
  billing flag), calls :func:`organization_changed` in the transaction that makes the
  change (docs/integrate.md).

With Redis, each worker also holds what it read in its own memory while Redis's
client-side caching can tell it of a change (key_memory.py): no round trip at all. Its
lease is why the after-commit retirement waits ``key_memory.LEASE`` before returning.

``last_used_at`` is written when an entry is (re)loaded from the database, so it lags by at
most about three times ``KEY_LAST_USED_RESOLUTION`` (the shared entry's life, then a
worker's), as the orphaned access report allows (days).
"""

import logging
import time
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from . import conf, key_memory

if TYPE_CHECKING:
    from .models import APIKey

logger = logging.getLogger("cosmo_scim.auth")

# Long enough to outlive every entry: an entry whose version is gone is never used, so a
# version evicted early only costs a miss.
VERSION_TIMEOUT = 24 * 60 * 60


def _entry_key(prefix: str) -> str:
    return f"cosmo_scim:verified-key:{prefix}"


def _version_key(prefix: str) -> str:
    return f"cosmo_scim:key-access:{prefix}"


def shared_cache() -> BaseCache | None:
    """Django's default cache when every process sees the same one, else None."""
    cache = caches[DEFAULT_CACHE_ALIAS]
    return None if isinstance(cache, (LocMemCache, DummyCache)) else cache


class Lookup:
    """What the cache knows of one prefix: ``api_key`` (a usable-when-stored APIKey with its
    organization, or None on a miss) and, on a miss, how to store what the database says."""

    def __init__(
        self,
        prefix: str,
        api_key: "APIKey | None" = None,
        cache: BaseCache | None = None,
        version: str | None = None,
        memory: key_memory.KeyMemory | None = None,
        generation: int | None = None,
    ) -> None:
        self.prefix = prefix
        self.api_key = api_key
        self._cache = cache
        self._version = version
        self._memory = memory
        self._generation = generation

    def remember(self, api_key: "APIKey") -> None:
        """Store a key the database has just accepted, under the version read before the
        database was — so a change committed in between retires it."""
        if self._cache is None or self._version is None:
            return
        hasher = type(api_key).objects.key_generator
        if not hasher.using_preferred_hasher(api_key.hashed_key):
            return  # a slow password hash: not worth remembering (upgraded on its next use)
        try:
            self._cache.set(
                _entry_key(self.prefix),
                (self._version, api_key),
                conf.get("KEY_LAST_USED_RESOLUTION"),
            )
        except Exception:  # any backend's failure, not just Redis's
            logger.warning("API key cache unavailable; not remembering", exc_info=True)


def _memory() -> key_memory.KeyMemory | None:
    return key_memory.memory_for(
        DEFAULT_CACHE_ALIAS, _version_key(""), conf.get("KEY_LAST_USED_RESOLUTION")
    )


def lookup(prefix: str) -> Lookup:
    """The remembered key for ``prefix`` if its entry is current, else a miss that knows
    the version to store under. No round trip when this process holds the key
    (key_memory.py), else one cache round trip on a hit."""
    memory = _memory()  # only ever in front of a shared cache: Redis
    generation = None
    if memory is not None:
        held, generation = memory.recall(prefix)
        if held is not None:
            return Lookup(prefix, api_key=held)
    cache = shared_cache()
    if cache is None:
        return Lookup(prefix)
    entry_key, version_key = _entry_key(prefix), _version_key(prefix)
    try:
        found = cache.get_many([entry_key, version_key])
        version = found.get(version_key)
        entry = found.get(entry_key)
        if entry is not None and version is not None and entry[0] == version:
            if memory is not None:
                memory.keep(prefix, entry[1], generation)
            return Lookup(prefix, api_key=entry[1])
        if version is None:
            version = uuid.uuid4().hex
            if not cache.add(version_key, version, VERSION_TIMEOUT):
                version = cache.get(version_key)  # another reader set it first
    except Exception:
        logger.warning(
            "API key cache unavailable; reading the key from the database", exc_info=True
        )
        return Lookup(prefix)
    return Lookup(prefix, cache=cache, version=version, memory=memory, generation=generation)


def _retire(prefixes: Iterable[str], *, committed: bool = False) -> None:
    """Replace the prefixes' versions. After the commit (``committed``), wait out the
    memories' lease (key_memory.py) when they are in use, so that once the change is
    reported made no process can still answer from what it held."""
    cache = shared_cache()
    if cache is None or not prefixes:
        return
    key_memory.forget_everywhere()
    try:
        cache.set_many({_version_key(p): uuid.uuid4().hex for p in prefixes}, VERSION_TIMEOUT)
        if committed and _memory() is not None:
            time.sleep(key_memory.LEASE)
    except Exception:
        logger.error(
            "API key cache unavailable: remembered keys %s may be used for up to %s s",
            ", ".join(sorted(prefixes)),
            conf.get("KEY_LAST_USED_RESOLUTION"),
            exc_info=True,
        )


def access_changed(prefixes: Iterable[str], using: str = DEFAULT_DB_ALIAS) -> None:
    """The keys with these prefixes may no longer be accepted as remembered: retire their
    entries now and again after the current transaction commits (see the module
    docstring). Called by receivers.py for every change of a key row."""
    prefixes = set(prefixes)
    if not prefixes:
        return
    if connections[using].in_atomic_block:
        _retire(prefixes)
    transaction.on_commit(lambda: _retire(prefixes, committed=True), using=using)


def organization_changed(organization_id: Any, using: str = DEFAULT_DB_ALIAS) -> None:
    """Something that decides whether this organization's keys may act has changed — its
    plan, or whatever the host's ``scim_allowed`` reads. Call it inside the transaction
    that makes the change; saving the organization model calls it for you."""
    from .models import APIKey

    def keys_of_organization() -> set[str]:
        return set(
            APIKey._base_manager.using(using)
            .filter(organization_id=organization_id, revoked=False)
            .values_list("prefix", flat=True)
        )

    if shared_cache() is None:
        return
    if connections[using].in_atomic_block:
        _retire(keys_of_organization())
    # Read again after the commit: a key created meanwhile is retired too.
    transaction.on_commit(
        lambda: _retire(keys_of_organization(), committed=True), using=using, robust=True
    )
