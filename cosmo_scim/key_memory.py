"""Verified API keys held in the worker's own memory, for as long as Redis can tell it that
they changed: authentication with no cache round trip.

key_cache.py remembers a verified key in the shared cache under the prefix's *access
version*, and every change that can refuse a key writes a new version. This module keeps
what one process has read from there (or from the database) in a dict, and listens on a
connection of its own to Redis's server-assisted client-side caching: ``CLIENT TRACKING ON
BCAST PREFIX <the version keys>`` (RESP3), so every write of any version key — a
revocation, rotation, expiry edit, plan change or leaver's deactivation in any process —
pushes an ``invalidate`` message naming the written keys to every listening process, which
forgets those prefixes; a dropped or reconnected connection makes it forget everything it
holds. The connection itself is key_tracking.py.

Why nothing stale is served, step by step (docs/security.md#the-verified-key-cache):

- *In order.* Redis queues the push on the tracking connection while it executes the
  write, before it replies to the writer; one connection's bytes arrive in order.
- *A lease, not a hope.* A listener thread reads the tracking connection and sends a
  ``PING`` every :data:`PING_EVERY` seconds while the process serves requests; the memory
  answers only while a ``PING`` sent within the last :data:`LEASE` seconds has been
  answered. Its ``PONG`` comes after every push for writes Redis executed before the
  ``PING``, and the listener handles them in that order, so a stale entry could only be
  served less than :data:`LEASE` after the version was written — and the process that
  changes a key waits :data:`LEASE` after its after-commit retirement (key_cache.py)
  before the change counts as made. That holds whatever the network or the scheduler
  delays: a late push means a late ``PONG``, and no lease. A process idle for
  :data:`IDLE_AFTER` stops pinging; its first request then takes the round trip.
- *No gap.* A connection that fails, is killed (``CLIENT KILL``), leaves a ``PING``
  unanswered for :data:`DEAD_AFTER` or is replaced empties the memory; until a new
  connection has confirmed tracking, requests take the round trip. A forked process (a
  pre-forking server) starts its own listener with an empty memory.
- *No lost race.* Every use reads a generation counter, which each forgetting advances;
  what a request read through the round trip is kept only if the generation did not move
  meanwhile.

Only with Django's Redis cache and its default key function (the tracked prefix must be a
prefix of the stored keys); any other cache takes the round trip on every request.
"""

import logging
import os
import threading
import time
from typing import TYPE_CHECKING, Any

from django.core.cache import caches

from .cache_redis import alias_registry, redis_client
from .key_tracking import Push, TrackingConnection, TrackingError

if TYPE_CHECKING:
    from redis import ConnectionPool

    from .models import APIKey

logger = logging.getLogger("cosmo_scim.auth")

# Seconds. LEASE: how recent the last answered PING must be for the memory to answer, and
# so how long a change of a key waits after its retirement (key_cache.py).
LEASE = 0.1
PING_EVERY = LEASE / 4
DEAD_AFTER = 1.0  # an unanswered PING this old: the connection is replaced
IDLE_AFTER = 5.0  # no request for this long: no more PINGs until the next one
RECONNECT_INTERVAL = 1.0


class KeyMemory:
    """One process's verified keys, and the listener that tells it when to forget them."""

    def __init__(self, settings: dict[str, Any], tracked_prefix: str, max_age: float) -> None:
        self._settings = settings
        self._tracked_prefix = tracked_prefix
        self._max_age = max_age
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[APIKey, float]] = {}
        self._generation = 0
        self._answered_ping_at = float("-inf")  # when the last answered PING was sent
        self._used_at = float("-inf")
        self._listener_pid: int | None = None

    def recall(self, prefix: str) -> tuple["APIKey | None", int | None]:
        """The held key for ``prefix`` (or None), and the generation to pass to
        :meth:`keep` with what the round trip finds — None when the memory cannot vouch
        for anything now (no lease)."""
        now = time.monotonic()
        with self._lock:
            self._used_at = now
            if self._listener_pid != os.getpid():
                self._start_listener()
            if now - self._answered_ping_at > LEASE:
                return None, None
            entry = self._entries.get(prefix)
            if entry is not None and entry[1] < now:
                del self._entries[prefix]
                entry = None
            return (entry[0] if entry else None), self._generation

    def keep(self, prefix: str, api_key: "APIKey", generation: int | None) -> None:
        """Hold what the round trip found, unless anything was forgotten since
        ``generation`` was read (a push may have been about this very key)."""
        with self._lock:
            if generation is not None and generation == self._generation:
                self._entries[prefix] = (api_key, time.monotonic() + self._max_age)

    def forget_all(self) -> None:
        """This process changed a key: it does not wait for its own push."""
        with self._lock:
            self._forget()

    def _forget(self) -> None:
        self._entries.clear()
        self._generation += 1

    def _start_listener(self) -> None:
        self._listener_pid = os.getpid()
        self._forget()
        self._answered_ping_at = float("-inf")
        threading.Thread(target=self._listen, name="cosmo-scim-key-tracking", daemon=True).start()

    def _listen(self) -> None:
        """The listener thread: the only reader and writer of the tracking connection."""
        warned = False
        while True:
            try:
                connection = self._connect()
            except (OSError, TrackingError):
                if not warned:
                    logger.warning("Key tracking unavailable; authenticating by round trip")
                    warned = True
                time.sleep(RECONNECT_INTERVAL)
                continue
            warned = False
            try:
                self._serve(connection)
            except (OSError, TrackingError, ValueError):
                logger.warning("Key tracking connection lost; authenticating by round trip")
            with self._lock:
                self._forget()
                self._answered_ping_at = float("-inf")
            connection.close()

    def _serve(self, connection: TrackingConnection) -> None:
        ping_sent_at: float | None = None
        last_ping_at = float("-inf")
        while True:
            now = time.monotonic()
            if ping_sent_at is None:
                if now - last_ping_at >= PING_EVERY and now - self._used_at < IDLE_AFTER:
                    connection.send("PING")
                    ping_sent_at = last_ping_at = now
            elif now - ping_sent_at > DEAD_AFTER:
                raise TrackingError("PING unanswered")
            if not connection.readable(PING_EVERY):
                continue
            message = connection.read()
            with self._lock:
                if isinstance(message, Push):
                    self._invalidated(message)
                elif message == "PONG" and ping_sent_at is not None:
                    self._answered_ping_at, ping_sent_at = ping_sent_at, None
                else:
                    raise TrackingError("unexpected reply")

    def _invalidated(self, push: Push) -> None:
        """Forget the prefixes whose version keys the push names. A flush (a null list, for
        ``FLUSHDB`` in any database of the server) forgets nothing: it changes no key's
        access, and every change of access writes a version key, which is pushed by name.
        Other pushes (none are asked for) change nothing."""
        if len(push) != 2 or push[0] != b"invalidate" or push[1] is None:
            return
        self._generation += 1
        start = len(self._tracked_prefix)
        for key in push[1]:
            self._entries.pop(key.decode(errors="replace")[start:], None)

    def _connect(self) -> TrackingConnection:
        started = time.monotonic()
        connection = TrackingConnection(self._settings, timeout=DEAD_AFTER)
        try:
            # Named for CLIENT LIST (and CLIENT KILL) with the worker's process id.
            connection.command("CLIENT", "SETNAME", f"cosmo_scim:key-tracking:{os.getpid()}")
            connection.command("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", self._tracked_prefix)
        except BaseException:
            connection.close()
            raise
        with self._lock:
            self._forget()  # nothing held before tracking began is vouched for
            self._answered_ping_at = started  # CLIENT TRACKING's reply answers like a PONG
        return connection


# By the cache's stored-key prefix and connection settings, so that the threads of a
# process share one memory and one listener; and by alias (cache_redis.alias_registry).
_memories: dict[Any, KeyMemory] = {}
_by_alias: dict[str, KeyMemory | None] = alias_registry()
_registry_lock = threading.Lock()


def memory_for(alias: str, tracked_key: str, max_age: float) -> KeyMemory | None:
    """This process's memory in front of ``caches[alias]``, or None when it cannot be
    tracked. ``tracked_key`` is the version key of the empty prefix; every version key
    starts with its stored form."""
    try:
        return _by_alias[alias]
    except KeyError:
        pass
    with _registry_lock:
        cache = caches[alias]
        memory = None
        tracked_prefix = cache.make_key(tracked_key)
        client = redis_client(alias)
        # A hashing KEY_FUNCTION would make the tracked prefix match nothing.
        if client is not None and cache.make_key(tracked_key + "x").startswith(tracked_prefix):
            pool = client.connection_pool
            settings = dict(pool.connection_kwargs)
            config = (tracked_prefix, repr(sorted(settings.items())))
            memory = _memories.get(config)
            if memory is None and _speakable(pool):
                memory = _memories[config] = KeyMemory(settings, tracked_prefix, max_age)
        _by_alias[alias] = memory
    return memory


def _speakable(pool: "ConnectionPool") -> bool:
    """Whether key_tracking.py can open this pool's connection: plain TCP or a Unix socket
    with at most a password (no TLS, no credential provider)."""
    # Imported here: redis-py is not a dependency of the package (a host without Redis has
    # no RedisCache to track), and this runs only for a RedisCache, which needs it.
    from redis.connection import Connection, UnixDomainSocketConnection

    plain = pool.connection_class in (Connection, UnixDomainSocketConnection)
    return plain and pool.connection_kwargs.get("credential_provider") is None


def forget_everywhere() -> None:
    """This process changed a key: every memory forgets at once, without waiting for the
    push."""
    for memory in list(_memories.values()):
        memory.forget_all()
