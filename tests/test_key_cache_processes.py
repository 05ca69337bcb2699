"""The verified-key cache across processes: gunicorn (two workers, each with its own
connection to the cache) serves SCIM from the test database and remembers the key in
Redis; this test process — standing in for the admin, a management command or another
worker — changes the database. The very next request is refused, whichever worker takes
it. In-process paths and the races: test_key_cache.py.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from cosmo_scim import key_cache
from cosmo_scim.models import APIKey
from cosmo_scim.provisioning import lifecycle

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2


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
