"""Request limits: body size for every request, a per-client rate for registration."""

from __future__ import annotations

import json
import math
import threading
from collections import deque
from datetime import timedelta

from starlette.types import ASGIApp, Receive, Scope, Send

from skillsprogram.api.bodies import replaying
from skillsprogram.api.problems import PROBLEM_JSON, ApiError
from skillsprogram.clock import Clock


class RateLimiter:
    """At most ``limit`` calls per ``window`` per client key (a sliding window, in memory).

    Each API process counts on its own, so behind N processes a client gets up to N
    times the limit: put the same limit in the reverse proxy for a hard cap.
    """

    def __init__(self, limit: int, window_seconds: int, clock: Clock) -> None:
        self.limit = limit
        self.window = timedelta(seconds=window_seconds)
        self.clock = clock
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one call by ``key``, or raise a 429 problem with ``Retry-After``."""
        now = self.clock.now().timestamp()
        horizon = now - self.window.total_seconds()
        with self._lock:
            calls = self._calls.setdefault(key, deque())
            while calls and calls[0] <= horizon:
                calls.popleft()
            if len(calls) >= self.limit:
                wait = max(1, math.ceil(calls[0] - horizon))
                raise ApiError(
                    429,
                    "too-many-requests",
                    f"at most {self.limit} registrations per {int(self.window.total_seconds())} s "
                    "from one client; try again later",
                    headers={"Retry-After": str(wait)},
                )
            calls.append(now)
            if len(self._calls) > 100_000:  # forget idle clients rather than grow without bound
                for idle in [k for k, v in self._calls.items() if not v or v[-1] <= horizon]:
                    del self._calls[idle]


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with a 413 problem, before any route runs."""

    def __init__(self, app: ASGIApp, max_bytes: int, problem_base: str) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.problem_base = problem_base

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        await self.app(scope, replaying(b"".join(chunks), receive), send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        payload = json.dumps(
            {
                "type": f"{self.problem_base}body-too-large",
                "title": "Body too large",
                "status": 413,
                "detail": f"request bodies are limited to {self.max_bytes} bytes",
                "code": "body-too-large",
                "instance": scope.get("path"),
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
