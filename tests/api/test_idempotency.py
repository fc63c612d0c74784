"""Idempotency-Key: a retry replays the first answer, whatever credential of the same caller
it carries and however its JSON is spaced; a reused key for another request is refused; a
retry while the first still runs waits for its answer; tested with concurrent requests."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from skillsprogram.api.bodies import replaying
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import Application
from skillsprogram.services import clients
from tests.api.conftest import Credentials
from tests.api.helpers import course_id, registration, to_vouchers


def _applications(ctx: ProgrammeContext) -> int:
    with ctx.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(Application)).scalar_one())


def test_the_same_key_and_body_replays_the_first_answer_without_doing_it_again(
    client: TestClient, ctx: ProgrammeContext
) -> None:
    first = client.post("/v1/registrations", json=registration(1), headers={"Idempotency-Key": "reg-1"})
    again = client.post("/v1/registrations", json=registration(1), headers={"Idempotency-Key": "reg-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert _applications(ctx) == 1


def test_a_refusal_is_replayed_too(client: TestClient, ctx: ProgrammeContext) -> None:
    body = registration(1, region_code="99.99")
    first = client.post("/v1/registrations", json=body, headers={"Idempotency-Key": "bad-1"})
    again = client.post("/v1/registrations", json=body, headers={"Idempotency-Key": "bad-1"})
    assert first.status_code == again.status_code == 422
    assert again.json() == first.json() and again.headers["content-type"] == "application/problem+json"


def test_the_same_key_with_another_body_is_refused_with_422(
    client: TestClient, ctx: ProgrammeContext
) -> None:
    assert (
        client.post("/v1/registrations", json=registration(1), headers={"Idempotency-Key": "k"}).status_code
        == 201
    )
    other = client.post("/v1/registrations", json=registration(2), headers={"Idempotency-Key": "k"})
    assert other.status_code == 422 and other.json()["code"] == "idempotency-key-reused"
    assert _applications(ctx) == 1


def test_keys_are_per_caller_so_one_caller_never_sees_another_s_answer(
    client: TestClient, ctx: ProgrammeContext
) -> None:
    a = client.post("/v1/registrations", json=registration(1), headers={"Idempotency-Key": "same"}).json()
    me = {"Authorization": f"Bearer {a['access_token']}", "Idempotency-Key": "same"}
    grievance = {"category": "other", "subject": "late", "description": "no answer yet"}
    filed = client.post(f"/v1/applications/{a['application_id']}/grievances", json=grievance, headers=me)
    assert filed.status_code == 201 and "idempotent-replayed" not in filed.headers


def test_a_malformed_key_is_refused_with_400(client: TestClient) -> None:
    response = client.post("/v1/registrations", json=registration(1), headers={"Idempotency-Key": "x" * 129})
    assert response.status_code == 400 and response.json()["code"] == "invalid-idempotency-key"


def _held_registration(client: TestClient) -> tuple[threading.Event, threading.Event]:
    """Make the next registration stop inside the route until ``release`` is set."""
    limiter = client.app.state.api.registration_limit  # type: ignore[attr-defined]
    entered, release = threading.Event(), threading.Event()
    original = limiter.hit

    def slow_hit(key: str) -> None:
        limiter.hit = original
        entered.set()
        assert release.wait(10)
        original(key)

    limiter.hit = slow_hit
    return entered, release


def test_a_retry_while_the_first_is_still_running_waits_and_replays_its_answer(
    client: TestClient, ctx: ProgrammeContext
) -> None:
    entered, release = _held_registration(client)
    headers = {"Idempotency-Key": "slow"}
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(client.post, "/v1/registrations", json=registration(1), headers=headers)
        assert entered.wait(10)
        retry = pool.submit(client.post, "/v1/registrations", json=registration(1), headers=headers)
        threading.Timer(0.3, release.set).start()
        answer, replay = first.result(10), retry.result(10)
    assert answer.status_code == replay.status_code == 201
    assert replay.json() == answer.json() and replay.headers["idempotent-replayed"] == "true"
    assert _applications(ctx) == 1


def test_a_retry_that_outwaits_the_first_gets_409_with_retry_after_then_the_answer(
    client: TestClient, ctx: ProgrammeContext
) -> None:
    client.app.state.idempotency.wait_seconds = 0.2  # type: ignore[attr-defined]
    entered, release = _held_registration(client)
    headers = {"Idempotency-Key": "slow"}
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(client.post, "/v1/registrations", json=registration(1), headers=headers)
        assert entered.wait(10)
        retry = client.post("/v1/registrations", json=registration(1), headers=headers)
        release.set()
        answer = first.result(10)
    assert retry.status_code == 409 and retry.json()["code"] == "idempotency-key-in-use"
    assert retry.headers["retry-after"] == "1"
    assert retry.headers["content-type"] == "application/problem+json"
    assert answer.status_code == 201
    replay = client.post("/v1/registrations", json=registration(1), headers=headers)
    assert replay.json() == answer.json()
    assert _applications(ctx) == 1


async def _asgi_post(app: Any, path: str, body: bytes, headers: dict[str, str], answered: Any = None) -> Any:
    """POST through the ASGI app itself; ``answered`` runs the moment the last byte of the
    answer is handed to the server, which is when a client can act on it."""
    messages: list[Any] = []

    async def connected() -> Any:  # the client stays connected until the answer is sent
        await asyncio.sleep(3600)

    async def send(message: Any) -> None:
        messages.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body") and answered:
            await answered()

    raw = [
        (k.lower().encode(), v.encode()) for k, v in {"content-type": "application/json", **headers}.items()
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": raw,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    await app(scope, replaying(body, connected), send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in messages[1:])


def test_a_retry_sent_the_moment_the_answer_arrives_replays_it_and_never_gets_409(
    client: TestClient, ctx: ProgrammeContext
) -> None:
    app = client.app
    body = json.dumps(registration(1)).encode()
    headers = {"Idempotency-Key": "quick"}
    retries: list[Any] = []

    async def retry() -> None:
        retries.append(await _asgi_post(app, "/v1/registrations", body, headers))

    first = asyncio.run(_asgi_post(app, "/v1/registrations", body, headers, answered=retry))
    ((status, retry_headers, retry_body),) = retries
    assert first[0] == 201
    assert status == 201 and retry_headers[b"idempotent-replayed"] == b"true"
    assert json.loads(retry_body) == json.loads(first[2])
    assert _applications(ctx) == 1


def test_concurrent_requests_with_one_key_do_the_work_once_and_all_get_its_answer(
    client: TestClient, ctx: ProgrammeContext
) -> None:
    def send(_: int) -> Any:
        return client.post("/v1/registrations", json=registration(7), headers={"Idempotency-Key": "burst"})

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(send, range(16)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["application_id"] for r in responses}) == 1
    assert sum(1 for r in responses if "idempotent-replayed" not in r.headers) == 1
    assert _applications(ctx) == 1


def test_a_server_error_is_not_kept_so_the_retry_runs_again(
    client: TestClient, ctx: ProgrammeContext, monkeypatch: Any
) -> None:
    from skillsprogram.api.routes import applicants

    real = applicants.registration.register
    calls = {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(applicants.registration, "register", flaky)
    failed = client.post("/v1/registrations", json=registration(1), headers={"Idempotency-Key": "flaky"})
    assert failed.status_code == 500
    assert "Traceback" not in failed.text and "database went away" not in failed.text
    assert failed.json()["code"] == "internal-error"
    retried = client.post("/v1/registrations", json=registration(1), headers={"Idempotency-Key": "flaky"})
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers


def test_stored_answers_are_encrypted_and_purged_after_the_retention(
    client: TestClient, ctx: ProgrammeContext
) -> None:
    from datetime import timedelta

    from skillsprogram.domain.access import IdempotencyRecord

    first = client.post("/v1/registrations", json=registration(1), headers={"Idempotency-Key": "secret"})
    with ctx.uow() as uow:
        (stored,) = uow.session.execute(select(IdempotencyRecord.body)).scalars().all()
    assert stored is not None and first.json()["access_token"] not in stored
    store = client.app.state.idempotency  # type: ignore[attr-defined]
    assert store.purge() == 0
    ctx.clock.advance(timedelta(days=2))  # type: ignore[attr-defined]
    assert store.purge() == 1


def _purchases(client: TestClient, path: str, me: dict[str, str]) -> list[Any]:
    listed = client.get(path, headers=me)
    assert listed.status_code == 200, listed.text
    return list(listed.json()["items"])


def _refreshed(client: TestClient, app_id: str) -> str:
    """A new access token for the applicant, through the refresh grant."""
    tokens = client.app.state.api.tokens  # type: ignore[attr-defined]
    refresh = tokens.refresh_for_applicant(uuid.UUID(app_id))
    answer = client.post("/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def _ready_to_buy(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> tuple[str, dict[str, str], str, dict[str, str]]:
    """An applicant with a voucher: application id, headers, purchases path and an order."""
    ((app_id, me),) = to_vouchers(client, ctx, creds, 1)
    return app_id, me, f"/v1/applications/{app_id}/purchases", {"course_id": course_id(client, "T-WELD")}


def test_a_retry_after_a_token_refresh_replays_the_purchase_instead_of_buying_again(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    app_id, me, path, order = _ready_to_buy(client, ctx, creds)
    bought = client.post(path, json=order, headers={**me, "Idempotency-Key": "buy-1"})
    assert bought.status_code == 201, bought.text
    fresh = _refreshed(client, app_id)
    assert f"Bearer {fresh}" != me["Authorization"]
    for authorization in (f"Bearer {fresh}", f"bearer {fresh}", f"Bearer   {fresh}", f"BEARER {fresh} "):
        retry = client.post(
            path, json=order, headers={"Authorization": authorization, "Idempotency-Key": "buy-1"}
        )
        assert retry.status_code == 201, (authorization, retry.text)
        assert retry.headers["idempotent-replayed"] == "true"
        assert retry.json() == bought.json()
    assert [p["id"] for p in _purchases(client, path, me)] == [bought.json()["id"]]


def _credentials_grant(ctx: ProgrammeContext, role: str) -> dict[str, str]:
    """The client-credentials form of a new staff client of ``role``."""
    with ctx.transaction() as uow:
        issued = clients.create_client(uow, ctx, role, f"test {role}")
    return {
        "grant_type": "client_credentials",
        "client_id": str(issued.client.id),
        "client_secret": issued.secret,
    }


def test_an_api_client_s_key_holds_across_its_tokens(client: TestClient, ctx: ProgrammeContext) -> None:
    form = _credentials_grant(ctx, "admin")
    tokens = [client.post("/v1/auth/token", data=form).json()["access_token"] for _ in range(2)]
    assert tokens[0] != tokens[1]
    body = {"role": "provider", "name": "Welders", "owner_code": "p1"}
    answers = [
        client.post(
            "/v1/clients",
            json=body,
            headers={"Authorization": f"Bearer {t}", "Idempotency-Key": "new-client"},
        )
        for t in tokens
    ]
    assert [a.status_code for a in answers] == [201, 201], answers[0].text
    assert answers[1].headers["idempotent-replayed"] == "true"
    assert answers[1].json()["client_id"] == answers[0].json()["client_id"]


def test_a_refused_credential_is_not_kept_so_a_retry_with_a_good_one_runs(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    _, me, path, order = _ready_to_buy(client, ctx, creds)
    refused = client.post(
        path, json=order, headers={"Authorization": "Bearer nonsense", "Idempotency-Key": "k"}
    )
    assert refused.status_code == 401
    bought = client.post(path, json=order, headers={**me, "Idempotency-Key": "k"})
    assert bought.status_code == 201 and "idempotent-replayed" not in bought.headers
    assert len(_purchases(client, path, me)) == 1


def test_a_forged_credential_never_replays_another_caller_s_answer(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    _, me, path, order = _ready_to_buy(client, ctx, creds)
    assert client.post(path, json=order, headers={**me, "Idempotency-Key": "k"}).status_code == 201
    token = me["Authorization"].split()[1]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    answer = client.post(
        path, json=order, headers={"Authorization": f"Bearer {forged}", "Idempotency-Key": "k"}
    )
    assert answer.status_code == 401 and "idempotent-replayed" not in answer.headers


def test_the_same_json_spelled_otherwise_is_the_same_request(
    client: TestClient, ctx: ProgrammeContext
) -> None:
    body = registration(1)
    first = client.post("/v1/registrations", json=body, headers={"Idempotency-Key": "spelled"})
    assert first.status_code == 201
    spellings = [
        json.dumps(body, indent=2),
        json.dumps(dict(reversed(list(body.items())))),
        json.dumps(body, separators=(",", ":")),
        "\n  " + json.dumps(body, ensure_ascii=True) + "\n",
    ]
    for text in spellings:
        again = client.post(
            "/v1/registrations",
            content=text.encode(),
            headers={"Idempotency-Key": "spelled", "Content-Type": "application/json"},
        )
        assert again.status_code == 201, again.text
        assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
    assert _applications(ctx) == 1


def test_a_form_with_its_fields_in_another_order_is_the_same_request(
    client: TestClient, ctx: ProgrammeContext
) -> None:
    fields = list(_credentials_grant(ctx, "officer").items())
    answers = [
        client.post(
            "/v1/auth/token",
            content=urlencode(order).encode(),
            headers={"Idempotency-Key": "token", "Content-Type": "application/x-www-form-urlencoded"},
        )
        for order in (fields, list(reversed(fields)))
    ]
    assert [a.status_code for a in answers] == [200, 200], answers[1].text
    assert answers[1].headers["idempotent-replayed"] == "true"
    assert answers[1].json() == answers[0].json()
