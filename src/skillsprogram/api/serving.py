"""Serving the API with uvicorn: the listening socket, and the server's own limits.

The application refuses oversized, slow and over-nested bodies itself
(:class:`~skillsprogram.api.limits.RequestLimits`); what happens before a request
reaches it is the server's: how large the request line and headers may be, how long
they may take to arrive, how long an idle connection is kept and how many are served
at once.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from typing import Any

from uvicorn import Config
from uvicorn.protocols.http.h11_impl import H11Protocol

from skillsprogram.api import limits
from skillsprogram.api.logs import log_config
from skillsprogram.errors import ConfigurationError

#: Seconds a client has to send a request line and its headers.
HEADER_TIMEOUT_SECONDS = 10.0
#: Seconds an idle keep-alive connection stays open.
KEEP_ALIVE_SECONDS = 5
#: Largest request line plus headers, in bytes, while they arrive (h11 answers 400 beyond
#: it; the application refuses complete headers beyond it with 431).
MAX_HEADER_BYTES = limits.MAX_HEADER_BYTES
#: Connections served at once before new ones get 503.
MAX_CONNECTIONS = 1_000


class PortInUse(ConfigurationError):
    """The port to serve on is taken by another process."""

    code = "port-in-use"


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``, so that the URL is printed only once it is ours.

    Raises :class:`PortInUse` when another process holds the port.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise PortInUse(f"port {port} is in use", port=port) from None
        raise ConfigurationError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    sock.set_inheritable(True)
    return sock


class HeaderDeadline(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline on each request's line and headers.

    uvicorn times out idle keep-alive connections but waits for ever on a client that
    sends its headers a byte at a time (the "slowloris" attack); here the connection is
    closed when a request's headers are not complete ``HEADER_TIMEOUT_SECONDS`` after the
    connection opened or the previous answer was sent.
    """

    header_timeout = HEADER_TIMEOUT_SECONDS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm()

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a request's headers are complete
            self._disarm()

    def on_response_complete(self) -> None:
        self._arm()
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        timer = getattr(self, "_header_timer", None)
        if timer is not None:
            timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()


def server_config(app: Any, **overrides: Any) -> Config:
    """uvicorn's configuration for the API: the limits above and redacted JSON-line logs."""
    options: dict[str, Any] = {
        "http": HeaderDeadline,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
        "limit_concurrency": MAX_CONNECTIONS,
        "timeout_graceful_shutdown": 30,
        "server_header": False,
        "log_config": log_config(),
    }
    options.update(overrides)
    return Config(app, **options)
