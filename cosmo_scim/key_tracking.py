"""The connection key_memory.py listens on: Redis's server-assisted client-side caching in
broadcast mode, spoken directly (RESP3, the Redis serialization protocol version 3).

redis-py reads invalidation pushes only into its own client-side cache and gives their
content to no public callback, and this connection needs three things only — ``HELLO 3``,
``CLIENT TRACKING ON BCAST PREFIX …`` and ``PING`` — so it is a plain socket with a reader
of RESP3 replies and pushes. Redis tracks key *names* whatever the database, so the pushes
name keys of every database with the tracked prefix; key_memory.py forgets by name.
"""

import select
import socket
from typing import Any

Reply = Any  # str | int | float | bool | bytes | list | dict | None


class TrackingError(Exception):
    """Redis refused a command of the tracking connection, or the connection broke."""


class Push(list):
    """A RESP3 push (``>``): ``[b"invalidate", [key, …] or None]`` for tracking."""


class TrackingConnection:
    def __init__(self, settings: dict[str, Any], timeout: float) -> None:
        """Connect with redis-py's connection settings (host and port or a Unix socket
        path, username and password); TLS and credential providers are not spoken here."""
        if settings.get("path"):
            self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._socket.settimeout(timeout)
            self._socket.connect(settings["path"])
        else:
            address = (settings.get("host", "localhost"), settings.get("port", 6379))
            self._socket = socket.create_connection(address, timeout=timeout)
        self._buffer = b""
        hello: list[Any] = ["HELLO", "3"]
        if settings.get("password") is not None:
            hello += ["AUTH", settings.get("username") or "default", settings["password"]]
        self.command(*hello)

    def command(self, *args: str) -> Reply:
        """Send a command and return its reply; a push read meanwhile is an error here
        (only used before tracking is on)."""
        self.send(*args)
        reply = self.read()
        if isinstance(reply, Push):
            raise TrackingError("unexpected push")
        return reply

    def send(self, *args: str) -> None:
        parts = [f"*{len(args)}\r\n".encode()]
        for arg in args:
            data = arg.encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self._socket.sendall(b"".join(parts))

    def readable(self, timeout: float) -> bool:
        """Whether a reply or push (or the connection's end) is waiting."""
        if self._buffer:
            return True
        ready, _, _ = select.select([self._socket], [], [], timeout)
        return bool(ready)

    def read(self) -> Reply:
        kind, line = self._line()
        if kind == b"-" or kind == b"!":
            raise TrackingError(line.decode(errors="replace") if kind == b"-" else "error")
        if kind in (b"+", b"("):
            return line.decode()
        if kind == b":":
            return int(line)
        if kind == b",":
            return float(line)
        if kind == b"#":
            return line == b"t"
        if kind == b"_":
            return None
        if kind in (b"$", b"="):
            return None if line == b"-1" else self._exactly(int(line))
        if kind in (b"*", b"~", b">"):
            items = None if line == b"-1" else [self.read() for _ in range(int(line))]
            return Push(items or []) if kind == b">" else items
        if kind == b"%":
            return {self.read(): self.read() for _ in range(int(line))}
        if kind == b"|":  # attributes precede the reply they describe
            for _ in range(2 * int(line)):
                self.read()
            return self.read()
        raise TrackingError(f"unknown RESP3 type {kind!r}")

    def _line(self) -> tuple[bytes, bytes]:
        while b"\r\n" not in self._buffer:
            self._receive()
        line, self._buffer = self._buffer.split(b"\r\n", 1)
        return line[:1], line[1:]

    def _exactly(self, size: int) -> bytes:
        while len(self._buffer) < size + 2:
            self._receive()
        data, self._buffer = self._buffer[:size], self._buffer[size + 2 :]
        return data

    def _receive(self) -> None:
        data = self._socket.recv(65536)
        if not data:
            raise TrackingError("connection closed by Redis")
        self._buffer += data

    def close(self) -> None:
        self._socket.close()
