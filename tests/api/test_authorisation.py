"""Nobody sees what is not theirs: applicant A gets 403/404 on every route that touches
applicant B, and every role is refused on the routes of the other roles."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from skillsprogram.api import create_app
from skillsprogram.api.routes.partners import PUBLISHER_ROUTES
from skillsprogram.api.security import ROLE_SCOPES
from skillsprogram.context import ProgrammeContext
from tests.api.conftest import Credentials, api_settings, staff_token
from tests.api.helpers import course_id, registration, to_vouchers

BODIES: dict[str, dict[str, Any]] = {
    "/purchases": {"course_id": "00000000-0000-4000-8000-000000000000"},
    "/rating": {"stars": 5},
    "/surveys/{survey}": {"answers": {"useful": "yes", "employed": "no"}},
    "/payment-accounts": {"rail": "wallet", "account_number": "W000000009"},
    "/grievances": {"category": "other", "subject": "s", "description": "d"},
    "/revocation": {"reason": "test"},
}


def _operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    document = client.get("/openapi.json").json()
    return [
        (method.upper(), path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def _body(path: str) -> dict[str, Any]:
    for suffix, body in BODIES.items():
        if path.endswith(suffix):
            return body
    return {}


def _fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), "00000000-0000-4000-8000-000000000000"), path)


def test_applicant_a_gets_403_or_404_on_every_route_that_touches_applicant_b(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    (a_id, a), (b_id, b) = to_vouchers(client, ctx, creds, 2)
    bought = client.post(
        f"/v1/applications/{b_id}/purchases", json={"course_id": course_id(client, "T-WELD")}, headers=b
    ).json()
    grievance = client.post(
        f"/v1/applications/{b_id}/grievances",
        json={"category": "other", "subject": "s", "description": "d"},
        headers=b,
    ).json()
    ids = {
        "application_id": b_id,
        "purchase_id": bought["id"],
        "grievance_id": grievance["id"],
        "survey": "exit",
    }
    touched = [(m, p) for m, p, _ in _operations(client) if "{application_id}" in p]
    assert len(touched) >= 12
    for method, path in touched:
        url = _fill(path, ids)
        response = client.request(method, url, headers=a, json=_body(path) if method != "GET" else None)
        assert response.status_code in (403, 404), (method, path, response.status_code, response.text)
        assert "Person 1" not in response.text and "voucher_code" not in response.text
    # B's own token still works, and nothing A tried changed B's record.
    record = client.get(f"/v1/applications/{b_id}", headers=b).json()
    assert record["voucher"]["balance"] == 600_000 and record["payment_accounts"] == []
    assert client.get(f"/v1/applications/{a_id}", headers=a).status_code == 200


def _admitted(operation: dict[str, Any], path: str, method: str) -> set[str]:
    """The roles an operation lets in, from its declared security."""
    roles: set[str] = set()
    for requirement in operation.get("security", []):
        if "OAuth2" in requirement:
            scopes = set(requirement["OAuth2"])
            if "applicant" in scopes:
                roles.add("applicant")
            staff = scopes - {"applicant"}
            if staff:
                roles |= {role for role, allowed in ROLE_SCOPES.items() if staff <= allowed}
        if "ApiKey" in requirement:
            roles |= {"provider", "platform"} if (method, path) in PUBLISHER_ROUTES else {"provider"}
        if "RailSignature" in requirement:
            roles.add("rail")
    return roles


def test_every_role_is_refused_on_the_routes_of_the_other_roles(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    ((app_id, applicant),) = to_vouchers(client, ctx, creds, 1)
    callers = {
        "applicant": applicant,
        "officer": creds.officer,
        "auditor": creds.auditor,
        "admin": creds.admin,
        "minister": staff_token(client, ctx, "minister"),
        "provider": creds.provider,
        "platform": creds.platform,
        "rail": {"X-Client-Id": str(creds.rail_client), "X-Timestamp": "0", "X-Signature": "sha256=00"},
    }
    checked = 0
    for method, path, operation in _operations(client):
        admitted = _admitted(operation, path, method)
        if not operation.get("security"):
            continue  # public: the catalogue, registration, the token endpoint
        assert admitted, (method, path)
        url = _fill(
            path,
            {
                "application_id": app_id,
                "survey": "exit",
                "rail": "wallet",
                "number": "1",
                "step": "screening",
            },
        )
        for role, headers in callers.items():
            if role in admitted:
                continue
            response = client.request(
                method, url, headers=headers, json=_body(path) if method != "GET" else None
            )
            assert response.status_code in (401, 403), (
                role,
                method,
                path,
                response.status_code,
                response.text,
            )
            assert response.headers["content-type"] == "application/problem+json"
            checked += 1
    assert checked > 150


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_staff_with_the_right_scope_read_any_application_and_each_read_is_audited(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials, role: str
) -> None:
    ((app_id, _),) = to_vouchers(client, ctx, creds, 1)
    headers = getattr(creds, role)
    record = client.get(f"/v1/applications/{app_id}", headers=headers)
    assert record.status_code == 200
    assert record.json()["person"]["national_id"] == "1000000"  # officers and admins see it in clear
    assert client.get(f"/v1/applications/{app_id}/timeline", headers=headers).status_code == 200
    assert client.get(f"/v1/applications/{app_id}/payment-accounts", headers=headers).status_code == 200
    events = client.get("/v1/audit-events", params={"action": "record_viewed"}, headers=creds.auditor).json()
    assert [(e["entity_id"], e["data"]["view"]) for e in events["items"]] == [
        (app_id, "record"),
        (app_id, "timeline"),
        (app_id, "payment-accounts"),
    ]
    assert all(e["actor"].startswith(f"{role}:") for e in events["items"])


def test_a_staff_token_with_fewer_scopes_is_refused_where_they_are_needed(
    client: TestClient, ctx: ProgrammeContext
) -> None:
    reader = staff_token(client, ctx, "officer", scope="reports:read")
    assert client.get("/v1/reports/funnel", headers=reader).status_code == 200
    refused = client.post("/v1/waves", json={}, headers=reader)
    assert refused.status_code == 403 and "waves:write" in refused.json()["detail"]


def test_a_token_cannot_be_had_for_scopes_beyond_the_role(client: TestClient, ctx: ProgrammeContext) -> None:
    from skillsprogram.services import clients

    with ctx.transaction() as uow:
        issued = clients.create_client(uow, ctx, "auditor", "an auditor")
    form = {
        "grant_type": "client_credentials",
        "client_id": str(issued.client.id),
        "client_secret": issued.secret,
        "scope": "audit:read waves:write",
    }
    response = client.post("/v1/auth/token", data=form)
    assert response.status_code == 403 and response.json()["code"] == "invalid-scope"
    wrong = client.post("/v1/auth/token", data={**form, "client_secret": "nope", "scope": ""})
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid-client"


def test_a_revoked_client_s_token_stops_working_at_once(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    officer = staff_token(client, ctx, "officer")
    assert client.get("/v1/waves", headers=officer).status_code == 200
    clients_seen = client.get("/v1/audit-events", params={"action": "client_created"}, headers=creds.admin)
    officer_client = clients_seen.json()["items"][-1]["entity_id"]
    assert client.post(f"/v1/clients/{officer_client}/revocation", headers=creds.admin).status_code == 204
    refused = client.get("/v1/waves", headers=officer)
    assert refused.status_code == 401 and refused.json()["code"] == "invalid-token"


def test_an_applicant_trades_the_refresh_token_for_new_tokens_until_revoked(
    ctx: ProgrammeContext, creds: Credentials
) -> None:
    app = create_app(api_settings(token_ttl_seconds=900), context=ctx)
    with TestClient(app) as client:
        registered = client.post("/v1/registrations", json=registration(1)).json()
        app_id = registered["application_id"]
        ctx.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]  # the access token has expired
        old = {"Authorization": f"Bearer {registered['access_token']}"}
        assert client.get(f"/v1/applications/{app_id}", headers=old).json()["code"] == "token-expired"
        as_access = {"Authorization": f"Bearer {registered['refresh_token']}"}
        assert client.get(f"/v1/applications/{app_id}", headers=as_access).json()["code"] == "invalid-token"
        form = {"grant_type": "refresh_token", "refresh_token": registered["refresh_token"]}
        renewed = client.post("/v1/auth/token", data=form)
        assert renewed.status_code == 200, renewed.text
        fresh = {"Authorization": f"Bearer {renewed.json()['access_token']}"}
        assert client.get(f"/v1/applications/{app_id}", headers=fresh).status_code == 200
        officer = staff_token(client, ctx, "officer")
        client.post(f"/v1/applications/{app_id}/revocation", json={"reason": "fraud"}, headers=officer)
        refused = client.post(
            "/v1/auth/token", data={**form, "refresh_token": renewed.json()["refresh_token"]}
        )
        assert refused.status_code == 401 and refused.json()["code"] == "invalid-grant"


def test_a_minister_reads_the_figures_and_nothing_else(client: TestClient, ctx: ProgrammeContext) -> None:
    minister = staff_token(client, ctx, "minister")
    assert client.get("/v1/reports/funnel", headers=minister).status_code == 200
    assert client.get("/v1/waves", headers=minister).status_code == 403
    assert client.post("/v1/waves", json={}, headers=minister).status_code == 403
