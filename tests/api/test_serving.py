"""The server's own limits, on a real socket: header deadline and header size."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from skillsprogram.api.serving import MAX_HEADER_BYTES, HeaderDeadline, bind, server_config


class QuickDeadline(HeaderDeadline):
    """The header deadline, short enough for a test."""

    header_timeout = 0.5


async def hello(scope: Scope, receive: Receive, send: Send) -> None:
    """The smallest HTTP app."""
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
def server() -> Iterator[int]:
    """uvicorn serving :func:`hello` with the API's options on a free port."""
    sock = bind("127.0.0.1", 0)
    running = uvicorn.Server(server_config(hello, http=QuickDeadline, log_config=None))
    thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield sock.getsockname()[1]
    running.should_exit = True
    thread.join(10)
    sock.close()


def _exchange(port: int, data: bytes, wait: float = 0.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(data)
        time.sleep(wait)
        received = b""
        try:
            while chunk := conn.recv(65536):
                received += chunk
                if b"\r\n\r\n" in received and received.endswith(b"ok"):
                    break
        except (ConnectionResetError, TimeoutError):
            pass
        return received


def test_a_request_whose_headers_never_end_is_cut_off_at_the_deadline(server: int) -> None:
    started = time.monotonic()
    answer = _exchange(server, b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1", wait=0.0)
    assert answer == b"" and time.monotonic() - started < 4  # closed, not answered


def _answer(conn: socket.socket) -> bytes:
    """One whole answer of :func:`hello` (its headers and body may come in two reads)."""
    received = b""
    while not received.endswith(b"ok"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        received += chunk
    return received


def test_a_whole_request_is_answered_and_keeps_its_connection_under_the_deadline(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server), timeout=5) as conn:
        for _ in range(2):
            conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert _answer(conn).startswith(b"HTTP/1.1 200")
            time.sleep(0.3)  # each request restarts the header deadline


def test_headers_growing_past_the_limit_are_refused_with_400(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server), timeout=5) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (MAX_HEADER_BYTES + 1024))
        time.sleep(0.2)
        conn.sendall(b"\r\n\r\n")
        assert conn.recv(65536).startswith(b"HTTP/1.1 400")
