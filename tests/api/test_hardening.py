"""The HTTP layer against hostile input: characters no text may hold, integers past their
column, LIKE wildcards, slow and over-nested bodies; and bare 204s, health, readiness,
an app mounted under a prefix."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import Message, Receive, Scope, Send

from skillsprogram.api import create_app
from skillsprogram.api.limits import RequestLimits
from skillsprogram.api.security import sign
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.access import ApiClient
from skillsprogram.domain.models import Application, AuditEvent
from skillsprogram.errors import ValidationFailed
from skillsprogram.services import clients, registration
from skillsprogram.storage import migrate
from tests.api.conftest import Credentials, api_settings
from tests.api.helpers import register
from tests.api.helpers import registration as registration_body
from tests.support.testland import person

PROBLEM = "application/problem+json"


@pytest.fixture
def unchanged(ctx: ProgrammeContext) -> Iterator[None]:
    """Asserts that the test stored no application, API client or audit event."""

    def counts() -> tuple[int, ...]:
        with ctx.uow() as uow:
            return tuple(
                int(uow.session.execute(select(func.count()).select_from(model)).scalar_one())
                for model in (Application, ApiClient, AuditEvent)
            )

    before = counts()
    yield
    assert counts() == before


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["code"] == code and body["type"] == f"urn:skillsprogram:problem:{code}"
    return body


def _fields(body: dict[str, Any]) -> list[str]:
    return [e["field"] for e in body["errors"]]


@pytest.mark.parametrize("field", ["full_name", "national_id", "region_code", "phone", "occupation"])
def test_a_nul_in_a_registration_field_is_a_422_naming_the_field(
    client: TestClient, field: str, unchanged: None
) -> None:
    body = _problem(
        client.post("/v1/registrations", json=registration_body(1, **{field: "Ana\x00"})),
        422,
        "invalid-request",
    )
    assert _fields(body) == [f"body.{field}"]
    assert body["errors"][0]["type"] == "forbidden_character" and "U+0000" in body["errors"][0]["message"]


def test_a_lone_surrogate_and_an_escape_sequence_are_refused_like_a_nul(
    client: TestClient, unchanged: None
) -> None:
    raw = json.dumps(registration_body(1)).replace('"Person 1"', '"Ana \\ud800"').encode()
    response = client.post("/v1/registrations", content=raw, headers={"content-type": "application/json"})
    assert _fields(_problem(response, 422, "invalid-request")) == ["body.full_name"]
    response = client.post("/v1/registrations", json=registration_body(1, full_name="Ana\x1b[2J"))
    assert _fields(_problem(response, 422, "invalid-request")) == ["body.full_name"]


def test_running_text_may_hold_line_breaks_but_a_subject_line_may_not(client: TestClient) -> None:
    app_id, me = register(client, 1)
    url = f"/v1/applications/{app_id}/grievances"
    filed = client.post(
        url,
        json={"category": "payment", "subject": "Late", "description": "Line one\n\tLine two"},
        headers=me,
    )
    assert filed.status_code == 201, filed.text
    assert filed.json()["description"] == "Line one\n\tLine two"
    refused = client.post(
        url, json={"category": "payment", "subject": "Late\nagain", "description": "x\x00"}, headers=me
    )
    assert sorted(_fields(_problem(refused, 422, "invalid-request"))) == ["body.description", "body.subject"]


def test_a_nul_in_a_public_catalogue_filter_is_a_422_without_credentials(client: TestClient) -> None:
    for query in ("field_of_study=%00", "provider=p%001", "provider=%1B%5B2J"):
        response = client.get(f"/v1/courses?{query}")
        assert response.status_code == 422, (query, response.text)
        assert response.headers["content-type"] == PROBLEM


def test_nuls_in_redemption_codes_client_names_and_audit_filters_are_422s(
    client: TestClient, creds: Credentials, unchanged: None
) -> None:
    redeemed = client.post("/v1/redemptions", json={"codes": ["K7QW\x002M9X"]}, headers=creds.provider)
    assert _fields(_problem(redeemed, 422, "invalid-request")) == ["body.codes.0"]
    created = client.post(
        "/v1/clients", json={"role": "provider", "name": "Harbour\x00"}, headers=creds.admin
    )
    assert _fields(_problem(created, 422, "invalid-request")) == ["body.name"]
    listed = client.get("/v1/audit-events?actor=%00", headers=creds.auditor)
    assert _fields(_problem(listed, 422, "invalid-request")) == ["query.actor"]


def test_a_signed_rail_callback_with_a_nul_is_a_problem_and_records_nothing(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials, unchanged: None
) -> None:
    body = json.dumps([{"notice_id": "N-1\x00", "idempotency_key": "k", "status": "paid"}]).encode()
    now = str(int(ctx.clock.now().timestamp()))
    response = client.post(
        "/v1/rails/wallet/callbacks",
        content=body,
        headers={
            "content-type": "application/json",
            "X-Client-Id": str(creds.rail_client),
            "X-Timestamp": now,
            "X-Signature": sign(creds.rail_secret, now, body),
        },
    )
    assert _fields(_problem(response, 422, "invalid-request")) == ["body.0.notice_id"]


def test_a_service_called_without_the_api_refuses_a_nul_on_both_databases(ctx: ProgrammeContext) -> None:
    bulk = dataclasses.replace(person(1), full_name="Ana\x00")
    with ctx.uow() as uow, pytest.raises(ValidationFailed) as refused:
        registration.register(uow, ctx, bulk)  # rows go through COPY on PostgreSQL
    assert refused.value.code == "unstorable-text" and "Ana" not in refused.value.message
    with ctx.uow() as uow, pytest.raises(ValidationFailed) as refused:
        clients.create_client(uow, ctx, "provider", "Harbour\x00", "p1")  # an ORM insert
        uow.session.flush()
    assert refused.value.code == "unstorable-text"
    with ctx.uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(Application)).scalar_one() == 0


def test_a_cursor_beyond_the_column_is_a_422(client: TestClient, creds: Credentials) -> None:
    waves = client.get("/v1/waves?cursor=2147483648", headers=creds.officer)
    assert _fields(_problem(waves, 422, "invalid-request")) == ["query.cursor"]
    assert client.get("/v1/waves?cursor=214748364", headers=creds.officer).status_code == 200
    events = client.get(f"/v1/audit-events?cursor={2**63}", headers=creds.auditor)
    assert _fields(_problem(events, 422, "invalid-request")) == ["query.cursor"]


def test_a_region_filter_matches_its_wildcards_literally(client: TestClient, creds: Credentials) -> None:
    north = [register(client, n)[0] for n in (1, 2)]  # helpers put these in 10.01
    south = register(client, 3)[0]  # and this one in 20.01
    found = {
        region: {
            a["id"]
            for a in client.get(f"/v1/applications?region={region}", headers=creds.officer).json()["items"]
        }
        for region in ("%25", "_", "1_", "10%25", "%5C", "10")
    }
    assert found["10"] == set(north) and south not in found["10"]
    assert found["%25"] == found["_"] == found["1_"] == found["10%25"] == found["%5C"] == set()


async def _app(scope: Scope, receive: Receive, send: Send) -> None:
    """An app that reads the whole body and answers 200 (or 204 when asked)."""
    while (await receive()).get("more_body"):
        pass
    status = 204 if scope["path"] == "/empty" else 200
    await send(
        {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": b"{}"})


async def _call(app: Any, messages: list[Message], pause: float = 0.0, path: str = "/") -> list[Message]:
    sent: list[Message] = []
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            message = queue.pop(0)
            if message.get("more_body"):
                await asyncio.sleep(pause)
            return message
        await asyncio.sleep(3600)  # a client that never sends the rest
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": [(b"content-type", b"application/json")],
    }
    await app(scope, receive, send)
    return sent


def test_a_body_arriving_slower_than_the_deadline_is_a_408_problem() -> None:
    limits = RequestLimits(_app, 1_000, "urn:p:", body_timeout=0.2)
    trickle = [{"type": "http.request", "body": b"{", "more_body": True}] * 3
    sent = asyncio.run(asyncio.wait_for(_call(limits, trickle, pause=0.1), 5))
    assert sent[0]["status"] == 408
    assert json.loads(sent[1]["body"])["type"] == "urn:p:request-timeout"
    quick = [{"type": "http.request", "body": b"{}", "more_body": False}]
    assert asyncio.run(_call(limits, quick))[0]["status"] == 200


def test_a_204_answer_carries_no_content_type_and_no_body() -> None:
    limits = RequestLimits(_app, 1_000, "urn:p:")
    sent = asyncio.run(_call(limits, [{"type": "http.request", "body": b""}], path="/empty"))
    assert sent[0]["status"] == 204 and dict(sent[0]["headers"]) == {}
    assert sent[1]["body"] == b""


def test_revoking_a_client_answers_a_bare_204(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    with ctx.transaction() as uow:
        issued = clients.create_client(uow, ctx, "provider", "to revoke", "p9")
    response = client.post(f"/v1/clients/{issued.client.id}/revocation", headers=creds.admin)
    assert response.status_code == 204
    assert "content-type" not in response.headers and response.content == b""


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "json-too-deep"),
        (b'{"full_name": "' + b"x" * 100_000 + b'"}', "json-string-too-long"),
        (b'{"total": 1' + b"0" * 5_000 + b"}", "json-number-too-long"),
    ],
)
def test_an_over_nested_or_over_long_json_body_is_refused_before_it_is_parsed(
    client: TestClient, raw: bytes, code: str, unchanged: None
) -> None:
    response = client.post("/v1/registrations", content=raw, headers={"content-type": "application/json"})
    _problem(response, 413, code)


def test_json_as_deep_as_the_limit_and_escaped_text_within_it_pass_the_limits() -> None:
    limits = RequestLimits(_app, 10**6, "urn:p:")
    deep = b"[" * 32 + b"]" * 32
    escaped = b'"' + b"\\u0041" * 9_000 + b'"'  # 54,000 bytes, 9,000 characters
    for body in (deep, escaped, b'{"s": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}'):
        assert asyncio.run(_call(limits, [{"type": "http.request", "body": body}]))[0]["status"] == 200


def test_health_answers_without_credentials_and_ready_checks_the_schema(
    client: TestClient, database_url: str
) -> None:
    assert client.get("/v1/health").json() == {"status": "ok"}
    assert client.get("/v1/ready").json() == {"status": "ready"}
    paths = client.get("/v1/openapi.json").json()["paths"]
    assert {"/v1/health", "/v1/ready"} <= set(paths)
    migrate.downgrade(database_url, "-1")
    try:
        _problem(client.get("/v1/ready"), 503, "not-ready")
    finally:
        migrate.upgrade(database_url)
    assert client.get("/v1/ready").status_code == 200


def test_mounted_under_a_prefix_the_document_leads_to_the_routes_and_the_token_url(
    ctx: ProgrammeContext, creds: Credentials
) -> None:
    with ctx.transaction() as uow:
        staff = clients.create_client(uow, ctx, "officer", "mounted officer")
    outer = Starlette(routes=[Mount("/skills", app=create_app(api_settings(), context=ctx))])
    with TestClient(outer) as client:
        document = client.get("/skills/openapi.json").json()
        assert document == client.get("/skills/v1/openapi.json").json()
        server = document["servers"][0]["url"]
        assert server == "/skills"
        assert client.get(server + "/v1/courses").json()["items"]
        token_url = document["components"]["securitySchemes"]["OAuth2"]["flows"]["clientCredentials"][
            "tokenUrl"
        ]
        assert token_url == "/skills/v1/auth/token"
        token = client.post(
            token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": str(staff.client.id),
                "client_secret": staff.secret,
            },
        )
        assert token.status_code == 200, token.text
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        assert client.get(server + "/v1/waves", headers=bearer).status_code == 200
        assert "/skills/v1/openapi.json" in client.get("/skills/v1/docs").text
        once = {**bearer, "Idempotency-Key": "mounted-1"}
        first = client.post(server + "/v1/waves", json={}, headers=once)
        again = client.post(server + "/v1/waves", json={}, headers=once)
        assert again.headers.get("idempotent-replayed") == "true" and again.json() == first.json()
        assert client.get("/openapi.json").status_code == 404
    with TestClient(create_app(api_settings(), context=ctx)) as direct:
        assert direct.get("/openapi.json").json()["servers"] == [{"url": "/"}]


def test_headers_larger_than_the_limit_are_a_431_problem(client: TestClient) -> None:
    response = client.get("/v1/health", headers={"X-Big": "a" * 20_000})
    _problem(response, 431, "headers-too-large")
