"""The Redis server behind a Django cache, for what Django's cache API has no word for: the
rate limits' pipelined ``INCRBY`` and ``EXPIRE`` (scim/throttle.py) and the connection the
key tracking listens on (key_memory.py).

The client is built from the cache's public configuration, ``settings.CACHES[alias]``, read
as Django's ``RedisCache`` reads it — the first server of ``LOCATION`` is the one it writes
to; ``OPTIONS`` may name the pool and parser classes and pass the rest to the pool — never
from the backend's private client. One ``redis.Redis`` per process and configuration: it is
thread-safe, its constructor is not cheap (cosmo_project/cache.py), and its connection pool
opens connections of its own in a forked child.
"""

import re
import threading
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from redis import Redis

# What is worked out once per cache alias (here and in key_memory.py), so that a known
# alias costs one dict lookup, not ``caches[alias]`` (a context-local lookup, then an
# isinstance). The CACHES setting decides all of it, so a change of it (override_settings
# in tests) empties every such registry.
_alias_registries: list[dict[str, Any]] = []


def alias_registry() -> dict[str, Any]:
    """A dict keyed by cache alias, emptied whenever the CACHES setting changes."""
    registry: dict[str, Any] = {}
    _alias_registries.append(registry)
    return registry


@receiver(setting_changed)
def _caches_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "CACHES":
        for registry in _alias_registries:
            registry.clear()


# By write server and options, and by alias.
_clients: dict[str, "Redis"] = {}
_by_alias: dict[str, "Redis | None"] = alias_registry()
_lock = threading.Lock()


def redis_client(alias: str) -> "Redis | None":
    """A client of the Redis server that ``caches[alias]`` writes to, or None when that cache
    is not Django's Redis cache, or cannot work as one (without redis-py it fails as a cache
    that is down)."""
    try:
        return _by_alias[alias]
    except KeyError:
        pass
    with _lock:
        client = None
        if isinstance(caches[alias], RedisCache) and find_spec("redis") is not None:
            client = _client(settings.CACHES[alias])
        _by_alias[alias] = client
    return client


def _client(config: dict[str, Any]) -> "Redis":
    # Imported here: redis-py is not a dependency of the package (a host without Redis has
    # no RedisCache), and this runs only for a RedisCache, which needs it.
    import redis

    location = config["LOCATION"]
    servers = re.split("[;,]", location) if isinstance(location, str) else location
    options = dict(config.get("OPTIONS", {}))
    options.pop("serializer", None)  # Django's encoding of values; the pool has no use for it
    identity = repr((servers[0], sorted(options.items())))
    client = _clients.get(identity)
    if client is None:
        pool_class = _class(options.pop("pool_class", None)) or redis.ConnectionPool
        parser_class = _class(options.pop("parser_class", None)) or redis.connection.DefaultParser
        pool = pool_class.from_url(servers[0], parser_class=parser_class, **options)
        client = _clients[identity] = redis.Redis(connection_pool=pool)
    return client


def _class(named: Any) -> Any:
    """An OPTIONS class, given as itself or as its dotted path (as Django takes it)."""
    return import_string(named) if isinstance(named, str) else named
