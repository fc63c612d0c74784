"""``Idempotency-Key`` for every mutating route: a retry replays the first answer.

The first request with a key records ``running`` in its own committed transaction
(the primary key makes concurrent firsts collide, on SQLite and PostgreSQL), runs,
then stores its status and body. Afterwards, per caller (a hash of the credentials):

* the same key with the same method, path and body replays the stored answer
  (with ``Idempotent-Replayed: true``);
* the same key with a different request is refused with 422;
* the same key while the first is still running gets 409 (retry later).

An answer of 5xx is not kept, so the client can retry it; a request marked running
for longer than the lease (its process died) may be taken over.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from skillsprogram.api.bodies import replaying
from skillsprogram.api.problems import RouteIndex, route_path, send_problem
from skillsprogram.clock import Clock
from skillsprogram.domain.access import IdempotencyRecord
from skillsprogram.privacy import PersonalDataVault
from skillsprogram.storage.uow import UnitOfWork

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,128}$")
HEADER = "idempotency-key"


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
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.lease = timedelta(seconds=lease_seconds)
        self.vault = vault
        self.retention = timedelta(seconds=retention_seconds)
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

    def claim(self, scope: str, key: str, fingerprint: str) -> tuple[str, IdempotencyRecord | None]:
        """``("new", None)`` for a first request, else ``("replay" | "mismatch" | "running", record)``."""
        self._claims += 1
        if self._claims % self.PURGE_EVERY == 0:
            self.purge()
        now = self.clock.now()
        with UnitOfWork(self.engine) as uow:
            uow.session.add(
                IdempotencyRecord(
                    scope=scope, key=key, fingerprint=fingerprint, state="running", created_at=now
                )
            )
            try:
                uow.commit()
                return "new", None
            except IntegrityError:
                uow.rollback()
            record = uow.session.get(IdempotencyRecord, (scope, key))
            if record is None:  # the first attempt failed with 5xx and was forgotten meanwhile
                return self.claim(scope, key, fingerprint)
            uow.session.expunge(record)  # readable after this unit of work ends
            if record.fingerprint != fingerprint:
                return "mismatch", record
            if record.state == "running":
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
            return "replay", record

    def finish(self, scope: str, key: str, status: int, media_type: str | None, body: bytes) -> None:
        """Keep the answer (or forget the key after a server error, so a retry runs again)."""
        with UnitOfWork(self.engine) as uow:
            if status >= 500:
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
    """ASGI middleware applying :class:`IdempotencyStore` to mutating requests with the header."""

    def __init__(self, app: ASGIApp, store: IdempotencyStore, problem_base: str, routes: RouteIndex) -> None:
        self.app = app
        self.store = store
        self.problem_base = problem_base
        self.routes = routes

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
        caller = "\n".join(
            [headers.get("authorization", ""), headers.get("x-api-key", ""), headers.get("x-client-id", "")]
        )
        if not caller.strip() and scope.get("client"):
            caller = f"public:{scope['client'][0]}"
        owner = hashlib.sha256(caller.encode()).hexdigest()
        fingerprint = hashlib.sha256(
            b"\n".join(
                [scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body]
            )
        ).hexdigest()
        verdict, record = await run_in_threadpool(self.store.claim, owner, key, fingerprint)
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
        status = 500
        media_type: str | None = None
        parts: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, media_type
            if message["type"] == "http.response.start":
                status = message["status"]
                media_type = Headers(raw=message.get("headers", [])).get("content-type")
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            await run_in_threadpool(self.store.forget, owner, key)
            raise
        await run_in_threadpool(self.store.finish, owner, key, status, media_type, b"".join(parts))

    async def _problem(
        self, send: Send, scope: Scope, status: int, code: str, detail: str, retry_after: bool = False
    ) -> None:
        headers = {"Retry-After": "1"} if retry_after else None
        await send_problem(send, scope, self.problem_base, status, code, detail, headers)


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
