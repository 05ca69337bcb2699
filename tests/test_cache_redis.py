"""The Redis client behind a Django cache (cosmo_scim/cache_redis.py): built from the cache's
settings as Django's RedisCache reads them, one per process and configuration."""

import threading

import redis

from cosmo_scim.cache_redis import redis_client


def redis_cache(settings, location, **options):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "OPTIONS": options,
        }
    }


def test_the_write_server_is_the_first_location(settings):
    redis_cache(settings, "redis://127.0.0.1:6379/3,redis://127.0.0.1:6380/4")
    kwargs = redis_client("default").connection_pool.connection_kwargs
    assert (kwargs["port"], kwargs["db"]) == (6379, 3)
    redis_cache(settings, ["redis://:secret@127.0.0.1:6381/5", "redis://127.0.0.1:6380/4"])
    kwargs = redis_client("default").connection_pool.connection_kwargs
    assert (kwargs["port"], kwargs["db"], kwargs["password"]) == (6381, 5, "secret")


def test_the_options_reach_the_pool(settings):
    redis_cache(
        settings,
        "redis://127.0.0.1:6379",
        db=7,
        pool_class="redis.BlockingConnectionPool",
        serializer="django.core.cache.backends.redis.RedisSerializer",
    )
    pool = redis_client("default").connection_pool
    assert isinstance(pool, redis.BlockingConnectionPool)
    assert pool.connection_kwargs["db"] == 7
    assert "serializer" not in pool.connection_kwargs


def test_every_thread_shares_one_client(settings):
    redis_cache(settings, "redis://127.0.0.1:6379/9")
    seen = [redis_client("default")]
    thread = threading.Thread(target=lambda: seen.append(redis_client("default")))
    thread.start()
    thread.join()
    assert seen[0] is seen[1] is not None


def test_another_cache_has_none(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert redis_client("default") is None
