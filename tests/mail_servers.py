"""Real mail servers for the delivery tests (pytest puts tests/ on sys.path): an aiosmtpd
SMTP server that can accept, refuse recipients, or drop the connection after receiving a
message; and a tarpit that accepts connections and never says a word."""

import socket
import threading

from aiosmtpd.controller import Controller


def point_email_at(settings, port, timeout=5):
    """Django's SMTP backend, to 127.0.0.1:``port``, in plain SMTP."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, timeout
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Handler:
    """What the server does with a message: ``mode`` is "accept", "refuse" (550 at RCPT)
    or "drop" (receive the whole message, then close without the final reply, so the
    client cannot know whether it was accepted). ``after_data`` runs once a message is
    in, before the reply."""

    def __init__(self):
        self.mode = "accept"
        self.messages = []
        self.received = []  # every message that arrived, whatever the reply
        self.after_data = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mode == "refuse":
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope)
        if self.after_data is not None:
            self.after_data()
        if self.mode == "drop":
            server.transport.close()
            return "250 never seen"
        self.messages.append(envelope)
        return "250 2.0.0 Queued"

    def recipients(self):
        return sorted(address for envelope in self.messages for address in envelope.rcpt_tos)


class SmtpServer:
    """An aiosmtpd server on a fixed port, which can be stopped and started again (the port
    refuses connections meanwhile)."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.handler = Handler()
        self._controller = None

    def start(self):
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


class Tarpit:
    """Accepts TCP connections and never answers: an SMTP client waits for the greeting."""

    def __init__(self):
        self.port = free_port()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", self.port))
        self._listener.listen()
        self._held = []
        self.connected = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self._held.append(conn)
            self.connected.set()

    def close(self):
        self._listener.close()
        for conn in self._held:
            conn.close()
