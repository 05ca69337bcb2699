"""The verified-key cache across processes: gunicorn (two workers, each with its own
connection to the cache) serves SCIM from the test database and remembers the key in
Redis; this test process — standing in for the admin, a management command or another
worker — changes the database. The very next request is refused, whichever worker takes
it. In-process paths and the races: test_key_cache.py.

With Redis each worker also holds the keys it verified in its own memory while Redis's
client-side caching can tell it of a change (cosmo_scim/key_memory.py): the tests below
watch every command the workers send (``MONITOR``) to show that the requests it serves ask
Redis nothing, and that a revocation, a race with one and a killed tracking connection
still refuse the next request.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import redis
from django.db import connection

from cosmo_scim import key_cache
from cosmo_scim.models import APIKey
from cosmo_scim.provisioning import lifecycle

pytestmark = [
    pytest.mark.processes,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
SERVER_PIDS = {}  # gunicorn's process id by port


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    if not os.environ.get("CACHE_URL"):
        pytest.skip("needs CACHE_URL: the workers and this test must share one cache")
    with django_db_blocker.unblock():
        db = connection.settings_dict
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DEBUG": "0"}
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env.pop("DJANGO_SETTINGS_MODULE", None)
    # Budgets large enough that a reservation (scim/throttle.py) covers many requests, and
    # room for the 401s the revocation tests make the module's server answer in a minute.
    env.update(
        SCIM_RATE_LIMIT="1000", SCIM_ORGANIZATION_RATE_LIMIT="2000", SCIM_AUTH_FAILURE_LIMIT="1000"
    )
    port = free_port()
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "cosmo_project.wsgi",
            f"--workers={WORKERS}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, "gunicorn exited during startup"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "gunicorn did not start in 30 s"
            time.sleep(0.1)
    # The port is open before the workers have loaded Django (seconds on a loaded machine):
    # wait for each to answer once.
    for _ in range(2 * WORKERS):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", "/scim/v2/ServiceProviderConfig")
        conn.getresponse().read()
        conn.close()
    SERVER_PIDS[port] = proc.pid
    yield port
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=15)


def statuses(port, key, times=2 * WORKERS):
    """The status of ``times`` requests, each on a new connection (so both workers answer)."""
    seen = []
    for _ in range(times):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request(
            "GET", "/scim/v2/ServiceProviderConfig", headers={"Authorization": f"Bearer {key}"}
        )
        seen.append(conn.getresponse().status)
        conn.close()
    return set(seen)


@pytest.fixture
def remembered_by_server(server, shared_cache, org, make_key):
    api_key, key = make_key(org)
    assert statuses(server, key) == {200}
    # The server stored it; this process never authenticated the key.
    assert key_cache.lookup(api_key.prefix).api_key is not None
    return server, api_key, key


def test_a_revocation_in_another_process_refuses_the_next_request(remembered_by_server):
    port, api_key, key = remembered_by_server
    api_key.revoked = True
    api_key.save()
    assert statuses(port, key) == {401}


def test_a_bulk_revocation_in_another_process_refuses_the_next_request(remembered_by_server):
    port, api_key, key = remembered_by_server
    APIKey.objects.filter(organization=api_key.organization).revoke()
    assert statuses(port, key) == {401}


def test_a_rotation_in_another_process(remembered_by_server):
    port, api_key, key = remembered_by_server
    _, plaintext = APIKey.objects.rotate(api_key)
    assert statuses(port, key) == {401}
    assert statuses(port, plaintext) == {200}


def test_a_plan_downgrade_in_another_process(remembered_by_server, org):
    port, _, key = remembered_by_server
    org.plan = "team"
    org.save()
    assert statuses(port, key) == {403}


def test_deactivating_the_creator_in_another_process(
    server, shared_cache, org, make_key, make_member
):
    creator = make_member(org, role="admin")
    _, key = make_key(org, created_by=creator.user)
    assert statuses(server, key) == {200}
    lifecycle.deactivate_membership(
        creator, actor=lifecycle.Actor(via="manage.py scim_orphans"), reason="left"
    )
    assert statuses(server, key) == {401}


def cache_redis():
    url = urlparse(os.environ["CACHE_URL"])
    return redis.Redis(host=url.hostname, port=url.port or 6379, db=int(url.path[1:] or 0))


class Monitor:
    """Every command sent to the cache's Redis database while the block runs (MONITOR),
    as ``[name, ...]`` lists; this process sends none meanwhile but the end marker."""

    END = "cosmo-scim-test-monitor-end"

    def __enter__(self):
        self.client, self.marker = cache_redis(), cache_redis()
        self.marker.ping()  # the end marker's connection, opened (and its SELECT sent) now
        self.db = self.client.connection_pool.connection_kwargs["db"]
        self.commands = []
        self._monitor = self.client.monitor()
        self._monitor.__enter__()
        self._thread = threading.Thread(target=self._collect)
        self._thread.start()
        return self

    def _collect(self):
        while True:
            seen = self._monitor.next_command()
            if self.END in seen["command"]:
                return
            if seen["db"] == self.db:
                self.commands.append(seen["command"].split())

    def __exit__(self, *exc):
        self.marker.echo(self.END)
        self._thread.join(timeout=30)
        self._monitor.__exit__(*exc)

    def names(self):
        return [command[0].strip('"').upper() for command in self.commands]


def held_by_both_workers(port, key):
    """Requests until a run of them asked Redis nothing: each worker holds the key."""
    for _ in range(20):
        with Monitor() as monitor:
            assert statuses(port, key, times=4 * WORKERS) == {200}
        if not set(monitor.names()) - {"PING", "INCRBY", "EXPIRE"}:
            return
    pytest.fail(f"the workers kept asking Redis: {monitor.names()}")


def test_requests_served_from_memory_ask_redis_nothing_and_a_revocation_refuses_the_next(
    server, shared_cache, org, make_key
):
    api_key, key = make_key(org)
    held_by_both_workers(server, key)
    requests = 10 * WORKERS
    # A worker whose lease lapsed (its listener thread not scheduled within LEASE on a
    # loaded machine) rightly takes the round trip; a run in which both held their lease
    # shows what serving from memory sends.
    for _ in range(5):
        started = time.time()
        with Monitor() as monitor:
            assert statuses(server, key, times=requests) == {200}
        windows = int(time.time()) - int(started) + 1
        names = monitor.names()
        if not set(names) - {"PING", "INCRBY", "EXPIRE"}:
            break
    # No key lookup, no counting per request: only the tracking connections' PINGs and,
    # at most once per budget, worker and second, a reservation of rate-limit tokens.
    assert not set(names) - {"PING", "INCRBY", "EXPIRE"}, names
    assert names.count("INCRBY") <= 2 * WORKERS * windows < requests
    api_key.revoked = True
    api_key.save()
    assert statuses(server, key) == {401}


def test_requests_racing_a_revocation_are_refused_once_it_is_made(
    server, shared_cache, org, make_key
):
    """Clients keep sending while this process revokes; every request sent after the
    revocation returned is refused, in both workers."""
    api_key, key = make_key(org)
    held_by_both_workers(server, key)
    seen, stop = [], threading.Event()

    def client():
        while not stop.is_set():
            sent = time.monotonic()
            seen.append((sent, statuses(server, key, times=1).pop()))

    clients = [threading.Thread(target=client) for _ in range(2)]
    for thread in clients:
        thread.start()
    while len(seen) < 4:
        time.sleep(0.01)
    APIKey.objects.filter(pk=api_key.pk).revoke()
    revoked_at = time.monotonic()
    while len([1 for sent, _ in seen if sent > revoked_at]) < 4 * WORKERS:
        time.sleep(0.01)
    stop.set()
    for thread in clients:
        thread.join()
    assert {status for sent, status in seen if sent < revoked_at} <= {200, 401}
    assert {status for sent, status in seen if sent > revoked_at} == {401}


def test_a_killed_tracking_connection_means_round_trips_and_still_refuses(
    server, shared_cache, org, make_key
):
    api_key, key = make_key(org)
    held_by_both_workers(server, key)
    client = cache_redis()
    master = SERVER_PIDS[server]
    workers = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    names = {f"cosmo_scim:key-tracking:{pid}" for pid in workers}
    tracking = [c for c in client.client_list() if c["name"] in names]
    assert len(tracking) == WORKERS
    for tracked in tracking:
        client.client_kill_filter(_id=tracked["id"])
    api_key.revoked = True
    api_key.save()
    assert statuses(server, key) == {401}
    _, another = make_key(org, name="Another")
    assert statuses(server, another) == {200}
