"""Bad input gets the right 4xx problem and leaves the database as it was."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from skillsprogram.api.security import sign
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import Application, AuditEvent
from tests.api.conftest import Credentials
from tests.api.helpers import register, registration

PROBLEM = "application/problem+json"


@pytest.fixture
def unchanged(ctx: ProgrammeContext) -> Iterator[None]:
    """Asserts that the test wrote no application and no audit event."""

    def counts() -> tuple[int, int]:
        with ctx.uow() as uow:
            apps = uow.session.execute(select(func.count()).select_from(Application)).scalar_one()
            events = uow.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        return int(apps), int(events)

    before = counts()
    yield
    assert counts() == before


def _problem(response: object, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == PROBLEM  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["code"] == code and body["type"] == f"urn:skillsprogram:problem:{code}"
    assert body["status"] == status
    return body


def test_malformed_json_is_a_400_problem(client: TestClient, unchanged: None) -> None:
    response = client.post(
        "/v1/registrations", content=b'{"national_id": "1', headers={"content-type": "application/json"}
    )
    _problem(response, 400, "malformed-json")


def test_a_wrong_type_names_the_field(client: TestClient, unchanged: None) -> None:
    body = _problem(
        client.post("/v1/registrations", json=registration(1, birth_date=12)), 422, "invalid-request"
    )
    assert [e["field"] for e in body["errors"]] == ["body.birth_date"]  # type: ignore[union-attr]


def test_an_unknown_enum_value_names_the_field(client: TestClient, unchanged: None) -> None:
    body = _problem(client.post("/v1/registrations", json=registration(1, sex="X")), 422, "invalid-request")
    assert "body.sex" in str(body["detail"])


def test_unknown_fields_are_refused_so_nobody_can_set_a_status_or_a_balance(
    client: TestClient, unchanged: None
) -> None:
    body = _problem(
        client.post("/v1/registrations", json=registration(1, status="selected")), 422, "invalid-request"
    )
    assert body["errors"] == [  # type: ignore[comparison-overlap]
        {"field": "body.status", "message": "Extra inputs are not permitted", "type": "extra_forbidden"}
    ]


def test_a_huge_body_is_refused_with_413_before_anything_runs(
    client: TestClient, unchanged: None, settings: object
) -> None:
    huge = registration(1, full_name="x" * 2_000_000)
    _problem(client.post("/v1/registrations", json=huge), 413, "body-too-large")


def test_registration_without_consent_is_refused(client: TestClient, unchanged: None) -> None:
    body = _problem(
        client.post("/v1/registrations", json=registration(1, consent=False)), 422, "consent-required"
    )
    assert body["field"] == "consent"


def test_a_domain_refusal_carries_its_rule_as_the_problem_type(
    client: TestClient, ctx: ProgrammeContext
) -> None:
    register(client, 1)
    _problem(client.post("/v1/registrations", json=registration(1)), 409, "duplicate-registration")


def test_an_expired_token_is_refused_with_401(
    client: TestClient, ctx: ProgrammeContext, settings: object
) -> None:
    app_id, me = register(client, 1)
    ctx.clock.advance(timedelta(days=401))  # type: ignore[attr-defined]
    response = client.get(f"/v1/applications/{app_id}", headers=me)
    _problem(response, 401, "token-expired")
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_forged_token_is_refused_with_401(client: TestClient, ctx: ProgrammeContext) -> None:
    app_id, me = register(client, 1)
    header, payload, _signature = me["Authorization"].removeprefix("Bearer ").split(".")
    forged = {"Authorization": f"Bearer {header}.{payload}.AAAA"}
    _problem(client.get(f"/v1/applications/{app_id}", headers=forged), 401, "invalid-token")
    _problem(
        client.get(f"/v1/applications/{app_id}", headers={"Authorization": "Basic abc"}),
        401,
        "unauthenticated",
    )


def test_a_callback_with_a_bad_signature_is_refused_and_changes_nothing(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials, unchanged: None
) -> None:
    body = b'[{"notice_id": "n", "idempotency_key": "k", "status": "paid"}]'
    now = str(int(ctx.clock.now().timestamp()))
    headers = {"X-Client-Id": str(creds.rail_client), "X-Timestamp": now, "content-type": "application/json"}
    bad = client.post(
        "/v1/rails/wallet/callbacks",
        content=body,
        headers={**headers, "X-Signature": sign("not the secret", now, body)},
    )
    _problem(bad, 401, "invalid-signature")
    stale_time = str(int(ctx.clock.now().timestamp()) - 3_600)
    stale = client.post(
        "/v1/rails/wallet/callbacks",
        content=body,
        headers={
            **headers,
            "X-Timestamp": stale_time,
            "X-Signature": sign(creds.rail_secret, stale_time, body),
        },
    )
    _problem(stale, 401, "stale-signature")
    other_rail = client.post(
        "/v1/rails/bank/callbacks",
        content=body,
        headers={**headers, "X-Signature": sign(creds.rail_secret, now, body)},
    )
    _problem(other_rail, 403, "forbidden")


def test_an_unknown_route_and_method_are_problems_too(client: TestClient) -> None:
    _problem(client.get("/v1/nothing-here"), 404, "not-found")
    wrong = client.delete("/v1/registrations")
    _problem(wrong, 405, "method-not-allowed")
    assert wrong.headers["allow"] == "POST"


def test_an_unexpected_error_is_a_bare_500_problem_without_internals(
    client: TestClient, creds: Credentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skillsprogram.api.routes import officers

    def broken(*_: object) -> None:
        raise ZeroDivisionError("secret internals")

    monkeypatch.setattr(officers.reports, "funnel", broken)
    response = client.get("/v1/reports/funnel", headers=creds.officer)
    _problem(response, 500, "internal-error")
    assert "secret internals" not in response.text and "Traceback" not in response.text
