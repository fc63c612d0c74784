"""``Idempotency-Key`` for every mutating route: a retry replays the first answer.

Keys belong to the authenticated principal: the API client (staff tokens, API keys,
rail signatures) or the applicant's application, whatever credential text proves it,
so a refreshed token or another spelling of ``Authorization`` finds the same key.
Credentials that do not authenticate are scoped by their exact text, and public
calls by the client's address. A request is identified by its method, path, sorted
query and canonical body (JSON with sorted keys and no whitespace, a form by its
sorted fields, anything else by its bytes).

The first request with a key records ``running`` in its own committed transaction
(the primary key makes concurrent firsts collide, on SQLite and PostgreSQL), runs,
and stores its answer *before* the last byte of the answer is sent, so a retry that
follows the answer always replays it. Afterwards:

* the same key and request replay the stored answer (``Idempotent-Replayed: true``);
* the same key with a different request is refused with 422;
* the same key while the first is still running waits for it (up to
  ``wait_seconds``) and replays its answer; if the first is still running then,
  409 with ``Retry-After``.

Answers of 401 (nothing ran: the credential was refused) and 5xx are not kept, so
the client can retry them; a request marked running for longer than the lease (its
process died) may be taken over.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Literal
from urllib.parse import parse_qsl

from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from skillsprogram.api.bodies import replaying
from skillsprogram.api.problems import RouteIndex, route_path, send_problem
from skillsprogram.api.security import Principal
from skillsprogram.clock import Clock
from skillsprogram.domain.access import IdempotencyRecord
from skillsprogram.privacy import PersonalDataVault
from skillsprogram.storage.uow import UnitOfWork

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOT_KEPT = frozenset({401})  # and every 5xx
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,128}$")
HEADER = "idempotency-key"
CREDENTIALS = ("authorization", "x-api-key", "x-client-id")
Verdict = Literal["new", "replay", "mismatch", "running"]


class IdempotencyStore:
    """The records behind the middleware.

    Stored answers are encrypted with the personal-data vault (an answer may hold a
    token, a client secret or a voucher code), and answers older than ``retention``
    are deleted as new keys arrive.
    """

    PURGE_EVERY = 500

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        lease_seconds: int,
        vault: PersonalDataVault,
        retention_seconds: int = 86_400,
        wait_seconds: float = 10.0,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.lease = timedelta(seconds=lease_seconds)
        self.vault = vault
        self.retention = timedelta(seconds=retention_seconds)
        self.wait_seconds = wait_seconds
        self._claims = 0

    def answer(self, record: IdempotencyRecord) -> bytes:
        """The stored answer's body, in clear."""
        return self.vault.decrypt(record.body).encode() if record.body else b""

    def purge(self) -> int:
        """Delete answers older than the retention; returns how many."""
        with UnitOfWork(self.engine) as uow:
            gone = uow.session.execute(
                delete(IdempotencyRecord).where(
                    col(IdempotencyRecord.state) == "done",
                    col(IdempotencyRecord.created_at) < self.clock.now() - self.retention,
                )
            )
            uow.commit()
        return int(getattr(gone, "rowcount", 0) or 0)

    def claim(self, scope: str, key: str, fingerprint: str) -> tuple[Verdict, IdempotencyRecord | None]:
        """``("new", None)`` for a first request, else ``("replay" | "mismatch" | "running", record)``."""
        self._claims += 1
        if self._claims % self.PURGE_EVERY == 0:
            self.purge()
        with UnitOfWork(self.engine) as uow:
            uow.session.add(
                IdempotencyRecord(
                    scope=scope,
                    key=key,
                    fingerprint=fingerprint,
                    state="running",
                    created_at=self.clock.now(),
                )
            )
            try:
                uow.commit()
                return "new", None
            except IntegrityError:
                uow.rollback()
        return self.look(scope, key, fingerprint)

    def look(self, scope: str, key: str, fingerprint: str) -> tuple[Verdict, IdempotencyRecord | None]:
        """What the record of a key already claimed says (claiming it if it is gone or stale)."""
        now = self.clock.now()
        with UnitOfWork(self.engine) as uow:
            record = uow.session.get(IdempotencyRecord, (scope, key))
            if record is None:  # the first attempt was not kept (401, 5xx) and was forgotten meanwhile
                return self.claim(scope, key, fingerprint)
            uow.session.expunge(record)  # readable after this unit of work ends
            if record.fingerprint != fingerprint:
                return "mismatch", record
            if record.state != "running":
                return "replay", record
            if record.created_at + self.lease > now:
                return "running", record
            taken = uow.session.execute(
                update(IdempotencyRecord)
                .where(
                    col(IdempotencyRecord.scope) == scope,
                    col(IdempotencyRecord.key) == key,
                    col(IdempotencyRecord.state) == "running",
                    col(IdempotencyRecord.created_at) == record.created_at,
                )
                .values(created_at=now)
            )
            uow.commit()
            return ("new", None) if getattr(taken, "rowcount", 0) == 1 else ("running", record)

    def finish(self, scope: str, key: str, status: int, media_type: str | None, body: bytes) -> None:
        """Keep the answer (or forget the key after a server error or a refused credential,
        so that a retry runs again)."""
        with UnitOfWork(self.engine) as uow:
            if status >= 500 or status in NOT_KEPT:
                uow.session.execute(
                    delete(IdempotencyRecord).where(
                        col(IdempotencyRecord.scope) == scope, col(IdempotencyRecord.key) == key
                    )
                )
            else:
                uow.session.execute(
                    update(IdempotencyRecord)
                    .where(col(IdempotencyRecord.scope) == scope, col(IdempotencyRecord.key) == key)
                    .values(
                        state="done",
                        status_code=status,
                        media_type=media_type,
                        body=self.vault.encrypt(body.decode("utf-8", errors="replace")),
                        completed_at=self.clock.now(),
                    )
                )
            uow.commit()

    def forget(self, scope: str, key: str) -> None:
        """Drop a running record whose request crashed."""
        self.finish(scope, key, 500, None, b"")


class IdempotencyMiddleware:
    """ASGI middleware applying :class:`IdempotencyStore` to mutating requests with the header.

    ``identify`` tells who the request's credentials prove the caller to be (``None`` when
    they prove nothing); it may read the database, so it runs in a worker thread.
    """

    POLL_SECONDS = (0.02, 0.05, 0.1, 0.2)  # then every 0.2 s while waiting for a running first

    def __init__(
        self,
        app: ASGIApp,
        store: IdempotencyStore,
        problem_base: str,
        routes: RouteIndex,
        identify: Callable[[Mapping[str, str], bytes], Principal | None],
    ) -> None:
        self.app = app
        self.store = store
        self.problem_base = problem_base
        self.routes = routes
        self.identify = identify

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in MUTATING:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        if key is None or scope["method"] not in self.routes.methods(route_path(scope)):
            # No key, or no route for this method and path (its 404/405 needs no replay).
            await self.app(scope, receive, send)
            return
        if not KEY_PATTERN.match(key):
            await self._problem(
                send,
                scope,
                400,
                "invalid-idempotency-key",
                "Idempotency-Key must be 1 to 128 visible ASCII characters",
            )
            return
        body, receive = await _read_body(receive)
        owner = await self._owner(scope, headers, body)
        fingerprint = request_fingerprint(
            scope["method"], scope["path"], scope.get("query_string", b""), headers.get("content-type"), body
        )
        verdict, record = await run_in_threadpool(self.store.claim, owner, key, fingerprint)
        waited = 0.0
        while verdict == "running" and waited < self.store.wait_seconds:
            pause = self.POLL_SECONDS[min(int(waited * 10), len(self.POLL_SECONDS) - 1)]
            await asyncio.sleep(pause)
            waited += pause
            verdict, record = await run_in_threadpool(self.store.look, owner, key, fingerprint)
        if verdict == "mismatch":
            await self._problem(
                send,
                scope,
                422,
                "idempotency-key-reused",
                "this Idempotency-Key was used for a different request",
            )
            return
        if verdict == "running":
            await self._problem(
                send,
                scope,
                409,
                "idempotency-key-in-use",
                "a request with this Idempotency-Key is still running; retry later",
                retry_after=True,
            )
            return
        if verdict == "replay":
            assert record is not None and record.status_code is not None
            payload = self.store.answer(record)
            await send(
                {
                    "type": "http.response.start",
                    "status": record.status_code,
                    "headers": [
                        (b"content-type", (record.media_type or "application/json").encode()),
                        (b"content-length", str(len(payload)).encode()),
                        (b"idempotent-replayed", b"true"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": payload})
            return
        await self._first(scope, receive, send, owner, key)

    async def _first(self, scope: Scope, receive: Receive, send: Send, owner: str, key: str) -> None:
        """Run the first request with a key, keeping its answer before its last byte is sent."""
        status = 500
        media_type: str | None = None
        parts: list[bytes] = []
        kept = False

        async def capture(message: Message) -> None:
            nonlocal status, media_type, kept
            if message["type"] == "http.response.start":
                status = message["status"]
                media_type = Headers(raw=message.get("headers", [])).get("content-type")
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                if not message.get("more_body", False) and not kept:
                    # Kept before the client has the whole answer: a retry it sends next replays.
                    await run_in_threadpool(
                        self.store.finish, owner, key, status, media_type, b"".join(parts)
                    )
                    kept = True
            await send(message)

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            if not kept:
                await run_in_threadpool(self.store.forget, owner, key)
            raise
        if not kept:  # the application ended without a complete answer
            await run_in_threadpool(self.store.forget, owner, key)

    async def _owner(self, scope: Scope, headers: Headers, body: bytes) -> str:
        """The scope of the caller's keys: its principal, else its credential text, else its address."""
        principal = None
        if any(headers.get(name) for name in CREDENTIALS):
            principal = await run_in_threadpool(self.identify, headers, body)
        if principal is not None:
            caller = (
                f"client:{principal.client_id}"
                if principal.client_id is not None
                else f"{principal.role}:{principal.subject}"
            )
        elif any(headers.get(name) for name in CREDENTIALS):
            caller = "credential:" + "\n".join(headers.get(name, "") for name in CREDENTIALS)
        else:
            client = scope.get("client")
            caller = f"public:{client[0] if client else ''}"
        return hashlib.sha256(caller.encode()).hexdigest()

    async def _problem(
        self, send: Send, scope: Scope, status: int, code: str, detail: str, retry_after: bool = False
    ) -> None:
        headers = {"Retry-After": "1"} if retry_after else None
        await send_problem(send, scope, self.problem_base, status, code, detail, headers)


def request_fingerprint(method: str, path: str, query: bytes, content_type: str | None, body: bytes) -> str:
    """A hash naming the request: method, path, sorted query and canonical body."""
    canonical_query = sorted(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
    return hashlib.sha256(
        b"\n".join(
            [
                method.encode(),
                path.encode(),
                json.dumps(canonical_query, separators=(",", ":")).encode(),
                canonical_body(content_type, body),
            ]
        )
    ).hexdigest()


def canonical_body(content_type: str | None, body: bytes) -> bytes:
    """``body`` in a form that does not depend on how the client spelled it: JSON with
    sorted keys and no whitespace, form fields sorted, anything else as sent."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        try:
            fields = sorted(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            return body
        return b"form:" + json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode()
    if media in ("", "application/json") or media.endswith("+json"):
        try:
            document = json.loads(body)
        except (UnicodeDecodeError, ValueError, RecursionError):
            return body
        return b"json:" + json.dumps(
            document, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8", "surrogatepass")
    return body


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    return body, replaying(body, receive)
