"""A database outage is a temporary condition: 503 with Retry-After and a SCIM error body,
then service as usual once it is back (cosmo_scim/scim/faults.py).

The outage is real: the test's connection goes through a TCP proxy to PostgreSQL that the
test starts and stops, so the client sees exactly what a restart or a network cut does —
the live connection dropped, then connections refused. A server in recovery (a standby
being promoted) is a session that refuses writes with the same SQLSTATE.
"""

import contextlib
import socket
import threading

import pytest
from django.db import connection
from hostile import assert_scim_error
from scimkit import okta_user

from cosmo_scim.models import ScimUser
from cosmo_scim.scim.faults import RETRY_AFTER_SECONDS

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("needs_postgres"),
]


class TcpProxy:
    """127.0.0.1:<port> forwarded to PostgreSQL, until :meth:`stop` cuts every connection
    and refuses new ones; :meth:`start` listens on the same port again."""

    def __init__(self, target):
        self.target = target
        self.port = None
        self.sockets = []
        self.lock = threading.Lock()

    def start(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port or 0))
        listener.listen()
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def stop(self):
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread (Linux)
        self.listener.close()
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets = []


@pytest.fixture
def through_proxy():
    """The default connection rerouted through a TcpProxy for the test."""
    settings = connection.settings_dict
    saved = settings["HOST"], settings["PORT"]
    proxy = TcpProxy((saved[0] or "127.0.0.1", int(saved[1] or 5432)))
    proxy.start()
    connection.close()
    settings["HOST"], settings["PORT"] = "127.0.0.1", str(proxy.port)
    try:
        yield proxy
    finally:
        # Restored whatever the test left the proxy in, so no later test dials its port.
        with contextlib.suppress(OSError):
            proxy.stop()
        connection.close()
        settings["HOST"], settings["PORT"] = saved


def assert_unavailable(response):
    body = assert_scim_error(response, 503)
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "temporarily unavailable" in body["detail"]
    assert "Traceback" not in body["detail"] and "psycopg" not in body["detail"]


def test_database_down_is_503_with_retry_after_then_service_resumes(scim, through_proxy):
    assert scim.get("/Users").status_code == 200
    through_proxy.stop()
    # The live connection is cut mid-session...
    assert_unavailable(scim.get("/Users"))
    # ...then every new connection is refused. (Django replaces a broken connection when
    # the next request starts; its test client leaves that to the test.) A request that
    # needs no row — /ServiceProviderConfig with the key remembered — is still served.
    for request in (
        lambda: scim.get("/Users"),
        lambda: scim.post("/Users", okta_user("down@acme.example")),
        lambda: scim.get("/Groups"),
    ):
        connection.close()
        assert_unavailable(request())
    through_proxy.start()
    connection.close()
    assert scim.get("/Users").status_code == 200
    assert not ScimUser.objects.filter(user_name="down@acme.example").exists()
    assert scim.post("/Users", okta_user("down@acme.example")).status_code == 201


def test_database_in_recovery_is_503(scim):
    """Writes refused as by a server in recovery (SQLSTATE 25006): temporary too."""
    scim.get("/Users")  # connected, key touched
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION default_transaction_read_only = on")
    try:
        assert_unavailable(scim.post("/Users", okta_user("standby@acme.example")))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION default_transaction_read_only = off")
    assert scim.post("/Users", okta_user("standby@acme.example")).status_code == 201
