"""Django's Redis cache, with one redis-py client per connection pool instead of one per
operation.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache call;
redis-py 8 fills ~170 response callbacks in its constructor, which measured 56–90 µs a call
on this machine against ~35 µs for the round trip itself (docs/performance.md). Every SCIM
request asks the cache at least once (cosmo_scim remembers verified API keys there), so the
constructor was most of authentication's cost. A ``redis.Redis`` client is thread-safe (it
takes a pooled connection per command), so one per pool serves every thread of a worker.
"""

from django.core.cache.backends import redis as django_redis


class _ReusingClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient
