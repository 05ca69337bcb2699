"""Redis databases of their own for each pytest-xdist worker (``make test-fast`` runs two).

Each worker gets a PostgreSQL test database of its own (pytest-django suffixes its name), but
the Redis databases of CELERY_BROKER_URL and CACHE_URL would be shared: the suite empties the
cache before every test (tests/conftest.py), a test's live Celery worker would take another
worker's tasks, and the documented-command tests empty a broker database of their own
afterwards. So worker ``gwN`` of ``n`` moves every Redis database number it uses by ``N``
times an ``n``-th of the server's databases (``CONFIG GET databases``; 16 by default, this
machine's Redis has 64): the given numbers for ``gw0`` and without xdist, so a run without
``-n`` is unchanged.

Loaded with ``-p tests.xdist_workers`` (the Makefile's test-fast; ``python -m pytest``, so
that the checkout is on the path), before pytest-django reads the settings, which read the
environment once: a conftest.py would come too late. tests/conftest.py refuses an xdist run
with Redis that does not load it.
"""

import os
import re
from functools import cache

import pytest

_DATABASE_NUMBER = re.compile(r"/(\d+)$")


def _worker() -> tuple[int, int]:
    """This process's worker index and the number of workers: (0, 1) without xdist."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker.removeprefix("gw")), int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))


@cache
def _server_databases(url: str) -> int:
    """How many databases the Redis server of ``url`` has (16 unless it says otherwise)."""
    import redis

    try:
        reply = redis.Redis.from_url(url).config_get("databases")
    except redis.RedisError:
        return 16
    return int(reply.get("databases", 16))


def own_database(url: str, number: int) -> int:
    """Redis database ``number`` of the server of ``url``, as this worker's own."""
    index, count = _worker()
    if count == 1:
        return number
    databases = _server_databases(url)
    return (number + index * (databases // count)) % databases


def own_redis_url(url: str) -> str:
    """``url`` (``redis://host:port/N``) with its database number moved to this worker's."""
    match = _DATABASE_NUMBER.search(url)
    if not url.startswith("redis") or match is None:
        return url
    return f"{url[: match.start()]}/{own_database(url, int(match.group(1)))}"


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests() -> None:
    """Before pytest-django loads the settings (and Celery reads CELERY_BROKER_URL)."""
    for name in ("CELERY_BROKER_URL", "CACHE_URL"):
        if os.environ.get(name):
            os.environ[name] = own_redis_url(os.environ[name])
