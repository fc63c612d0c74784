"""Request limits: size, arrival time and JSON shape of every body, per-client rates for
registration and signing in, and codes per person."""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Mapping

import anyio
from limits import RateLimitItemPerSecond
from limits.errors import ConfigurationError as LimitsConfigurationError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from skillsprogram.api.bodies import replaying
from skillsprogram.api.problems import ApiError, route_path, send_problem
from skillsprogram.errors import ConfigurationError


class RateLimiter:
    """At most ``limit`` calls per ``window_seconds`` per key (a client, a person asking for
    sign-in codes; ``what`` names the calls in the refusal): a moving window kept by
    the `limits <https://limits.readthedocs.io>`_ library in the storage ``storage_uri`` names.

    ``memory://`` (the default) counts inside this process only: behind N API processes a
    client would get N times the limit. ``redis://host:port`` (or any other storage
    ``limits`` knows) keeps one count that every API process shares. ``namespace`` separates
    the counts of programmes sharing one storage.

    The window runs on the storage's wall clock, not the programme's: a test moves through
    it with a short window rather than with a test clock.
    """

    def __init__(
        self,
        limit: int,
        window_seconds: int,
        storage_uri: str = "memory://",
        namespace: str = "registrations",
        what: str = "registrations",
    ) -> None:
        self.limit = limit
        self.what = what
        self.window_seconds = window_seconds
        self.what = what
        self.item = RateLimitItemPerSecond(limit, window_seconds, namespace=namespace)
        try:
            self.storage = storage_from_string(storage_uri)
        except LimitsConfigurationError as exc:
            raise ConfigurationError(f"rate-limit storage {storage_uri!r} is not usable: {exc}") from exc
        self.strategy = MovingWindowRateLimiter(self.storage)

    def hit(self, key: str) -> None:
        """Count one call by ``key``, or raise a 429 problem with ``Retry-After``."""
        if not self.strategy.hit(self.item, key):
            raise self._refusal(key)

    def check(self, key: str) -> None:
        """Raise the 429 problem if ``key`` has spent its calls, without counting one (to
        count only failed attempts: check first, :meth:`hit` on failure)."""
        if not self.strategy.test(self.item, key):
            raise self._refusal(key)

    def _refusal(self, key: str) -> ApiError:
        reset_at = self.strategy.get_window_stats(self.item, key).reset_time
        wait = min(self.window_seconds, max(1, math.ceil(reset_at - time.time())))
        return ApiError(
            429,
            "too-many-requests",
            f"at most {self.limit} {self.what} per {self.window_seconds} s; try again later",
            headers={"Retry-After": str(wait)},
        )


class _TooLarge(Exception):
    """The body grew past the limit while it was read."""


#: Seconds a whole request body may take to arrive.
BODY_TIMEOUT_SECONDS = 30.0
#: Largest size of a request's headers, in bytes.
MAX_HEADER_BYTES = 16 * 1024
#: Deepest nesting of a JSON body (the deepest request schema nests 3 levels).
MAX_JSON_DEPTH = 32
#: Longest JSON string in characters (the longest request field holds 5,000).
MAX_JSON_STRING = 10_000
#: Longest run of digits in a JSON number (the largest amount has 16).
MAX_JSON_DIGITS = 100


class RequestLimits:
    """What a request body may be, checked in ASGI before any route parses it.

    * headers of at most ``max_header_bytes`` in all (431 ``headers-too-large``; uvicorn's
      own limit applies only to headers that arrive in pieces);
    * at most ``max_bytes`` (413 ``body-too-large``);
    * all of it within ``body_timeout`` seconds of the first read (408 ``request-timeout``):
      a client that trickles a body byte by byte would otherwise hold a worker for ever;
    * a JSON body nested at most ``max_depth`` deep, with no string longer than
      ``max_string`` characters and no number longer than ``max_digits`` digits (413
      ``json-too-deep``, ``json-string-too-long``, ``json-number-too-long``): Python's
      parser recurses once per level and turns every digit of a number into an integer.

    It also keeps 204 and 304 answers bare (no content type, no body), whichever part of
    the application wrote them. Being plain ASGI, it guards a government's own stack too.

    ``larger`` names paths whose bodies may be larger than ``max_bytes`` (the portal's
    file uploads, up to their own limit). ``page``, when given, answers a refusal of a
    path outside ``/v1`` (a page's form or upload) with the response it builds for the
    status (an HTML page in the person's language) instead of a problem document.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        problem_base: str,
        *,
        body_timeout: float = BODY_TIMEOUT_SECONDS,
        max_header_bytes: int = MAX_HEADER_BYTES,
        max_depth: int = MAX_JSON_DEPTH,
        max_string: int = MAX_JSON_STRING,
        max_digits: int = MAX_JSON_DIGITS,
        larger: Mapping[str, int] | None = None,
        page: Callable[[Scope, int], Response] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = dict(larger or {})
        self.page = page
        self.problem_base = problem_base
        self.body_timeout = body_timeout
        self.max_header_bytes = max_header_bytes
        self.json_limits = JsonLimits(max_depth, max_string, max_digits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if sum(len(k) + len(v) + 4 for k, v in scope.get("headers") or []) > self.max_header_bytes:
            detail = f"request headers are limited to {self.max_header_bytes} bytes"
            await self._refuse(send, scope, 431, "headers-too-large", detail)
            return
        headers = Headers(scope=scope)
        limit = self.larger.get(route_path(scope), self.max_bytes)
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(send, scope, 413, "body-too-large", self._too_large(limit))
            return
        try:
            with anyio.fail_after(self.body_timeout):
                body = await self._read(receive, limit)
        except _TooLarge:
            await self._refuse(send, scope, 413, "body-too-large", self._too_large(limit))
            return
        except TimeoutError:
            detail = f"the request body did not arrive within {self.body_timeout:g} s"
            await self._refuse(send, scope, 408, "request-timeout", detail, {"Connection": "close"})
            return
        if body is None:
            return  # the client went away
        if body and _is_json(headers.get("content-type")):
            excess = self.json_limits.excess(body)
            if excess is not None:
                await self._refuse(send, scope, 413, *excess)
                return
        await self.app(scope, replaying(body, receive), bare_when_empty(send))

    @staticmethod
    def _too_large(limit: int) -> str:
        return f"request bodies are limited to {limit} bytes"

    async def _read(self, receive: Receive, limit: int) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _TooLarge
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    async def _refuse(
        self,
        send: Send,
        scope: Scope,
        status: int,
        code: str,
        detail: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        if self.page is not None and not route_path(scope).startswith("/v1/"):
            response = self.page(scope, status)
            response.headers.update(headers or {})
            await response(scope, _nothing_more, send)
            return
        await send_problem(send, scope, self.problem_base, status, code, detail, headers)


async def _nothing_more() -> Message:
    """What a response refusing a request reads of it: nothing (it was refused unread)."""
    return {"type": "http.disconnect"}


#: A JSON string (escapes included), a bracket, or a long run of digits outside strings.
_JSON_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]|[0-9]{%d,}')


class JsonLimits:
    """Depth, string and number limits of a JSON document, checked without parsing it."""

    def __init__(self, max_depth: int, max_string: int, max_digits: int) -> None:
        self.max_depth, self.max_string, self.max_digits = max_depth, max_string, max_digits
        self._tokens = re.compile(_JSON_TOKENS.pattern.replace(b"%d", str(max_digits + 1).encode()))

    def excess(self, body: bytes) -> tuple[str, str] | None:
        """The problem code and detail of the first limit ``body`` exceeds, or ``None``.

        A body that is not JSON at all passes: the application answers it as malformed.
        """
        depth = 0
        for token in self._tokens.finditer(body):
            first = token.group()[:1]
            if first == b'"':
                if len(token.group()) - 2 > self.max_string and _chars(token.group()) > self.max_string:
                    return "json-string-too-long", f"JSON strings are limited to {self.max_string} characters"
            elif first in b"[{":
                depth += 1
                if depth > self.max_depth:
                    return "json-too-deep", f"JSON may nest at most {self.max_depth} levels"
            elif first in b"]}":
                depth -= 1
            else:
                return "json-number-too-long", f"JSON numbers are limited to {self.max_digits} digits"
        return None


def _chars(raw: bytes) -> int:
    """The length of a JSON string token once decoded (its byte length if it does not decode)."""
    try:
        return len(json.loads(raw))
    except ValueError:
        return len(raw)


def _is_json(content_type: str | None) -> bool:
    """FastAPI reads a body without a content type as JSON, so it is checked as JSON too."""
    if content_type is None:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def bare_when_empty(send: Send) -> Send:
    """A ``send`` that strips the content headers and body of 204 and 304 answers, which
    carry no content (RFC 9110 §6.4.1)."""
    bare = False

    async def sending(message: Message) -> None:
        nonlocal bare
        if message["type"] == "http.response.start" and message["status"] in (204, 304):
            bare = True
            message = {
                **message,
                "headers": [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"content-type", b"content-length")
                ],
            }
        elif message["type"] == "http.response.body" and bare:
            message = {**message, "body": b""}
        await send(message)

    return sending
