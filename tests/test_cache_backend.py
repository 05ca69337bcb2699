"""Cosmo's Redis cache backend (cosmo_project/cache.py): Django's, with one redis-py client
per connection pool instead of a new one for every call."""

import os

import pytest

from cosmo_project.cache import RedisCache

pytestmark = pytest.mark.redis


@pytest.fixture
def backend():
    if not os.environ.get("CACHE_URL"):
        pytest.skip("needs CACHE_URL (a reachable Redis)")
    cache = RedisCache(os.environ["CACHE_URL"], {"KEY_PREFIX": "cosmo-test-backend"})
    yield cache
    cache.delete_many(["a", "b"])


def test_one_client_serves_every_call(backend):
    backend.set("a", {"x": 1})
    assert backend.get("a") == {"x": 1}
    assert backend.get_many(["a", "b"]) == {"a": {"x": 1}}
    client = backend._cache.get_client()
    assert backend._cache.get_client(write=True) is client
    assert backend.add("b", 2) and not backend.add("b", 3)
    assert backend.get("b") == 2
