"""A real DNS server on loopback whose TXT records the test controls (dnslib, UDP and TCP
on one free port), for the domain verification tests and any other test that needs DNS.

The ``dns_zone`` fixture (tests/conftest.py) starts one per test and points
``COSMO_SCIM["DNS_NAMESERVERS"]`` at it::

    def test_something(dns_zone):
        dns_zone.publish("_scim-verification.acme.example", "scim-verification=…")
        dns_zone.fail = "silent"   # or "servfail": the server's outages

Names it has no record for answer NXDOMAIN; a name it has TXT records for answers NOERROR
with no record to other types (as a real zone does).
"""

import socket
import threading
from contextlib import contextmanager

from dnslib import QTYPE, RCODE, RR, TXT, DNSError
from dnslib.server import BaseResolver, DNSHandler, DNSLogger, DNSServer


class Zone(BaseResolver):
    """The records served, and how the server fails (``fail``: None, "silent" — it
    never answers, so the client times out — or "servfail")."""

    def __init__(self):
        self._txt = {}
        self._lock = threading.Lock()
        self.fail = None
        self.address = ""
        self.queries = []

    def publish(self, name, *values):
        """Serve these TXT values at ``name`` (replacing what was there)."""
        with self._lock:
            self._txt[name.rstrip(".").lower()] = list(values)

    def remove(self, name):
        with self._lock:
            self._txt.pop(name.rstrip(".").lower(), None)

    def resolve(self, request, handler):
        name = str(request.q.qname).rstrip(".").lower()
        self.queries.append(name)
        if self.fail == "silent":
            raise DNSError("dropped: the test asked for no answer")
        reply = request.reply()
        if self.fail == "servfail":
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        with self._lock:
            values = self._txt.get(name)
        if values is None:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.TXT:
            for value in values:
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(value), ttl=60))
        return reply


def _free_port():
    """A port free for both UDP and TCP on 127.0.0.1 (a truncated answer retries over TCP)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port


@contextmanager
def running_zone():
    """A :class:`Zone` served on 127.0.0.1; ``zone.address`` is its "host:port"."""
    zone = Zone()
    quiet = DNSLogger(logf=lambda message: None)
    port = _free_port()
    servers = [
        DNSServer(zone, address="127.0.0.1", port=port, tcp=tcp, logger=quiet, handler=DNSHandler)
        for tcp in (False, True)
    ]
    for server in servers:
        # A short poll, so stopping the server at teardown does not wait half a second.
        serve = server.server.serve_forever
        threading.Thread(target=serve, kwargs={"poll_interval": 0.02}, daemon=True).start()
    zone.address = f"127.0.0.1:{port}"
    try:
        yield zone
    finally:
        for server in servers:
            server.server.shutdown()
            server.server.server_close()


def closed_address():
    """A loopback "host:port" where no DNS server listens: a resolver that is down."""
    return f"127.0.0.1:{_free_port()}"
