"""Revoking an applicant or a client ends its access at once: tokens, refresh tokens, API
keys and signatures issued before the revocation are refused on the very next request,
not when they expire."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from skillsprogram.context import ProgrammeContext
from skillsprogram.services import clients, revocation
from tests.api.conftest import Credentials, api_key, staff_token
from tests.api.helpers import course_id, registration, to_vouchers
from tests.api.test_authorisation import _body, _fill, _operations
from tests.api.test_rail_callbacks import _post

PROBLEM = "application/problem+json"


def _applicant_operations(client: TestClient) -> list[tuple[str, str]]:
    """Every operation an applicant's token is admitted to."""
    return [
        (method, path)
        for method, path, operation in _operations(client)
        if any("applicant" in r.get("OAuth2", []) for r in operation.get("security", []))
    ]


def _not_refused(
    client: TestClient, probes: list[tuple[str, str]], headers: dict[str, str], ids: dict[str, str]
) -> list[tuple[str, str, int]]:
    """The probes that did not get a 401 problem with a Bearer challenge."""
    slipped = []
    for method, path in probes:
        response = client.request(
            method, _fill(path, ids), headers=headers, json=_body(path) if method != "GET" else None
        )
        refused = (
            response.status_code == 401
            and response.headers["content-type"] == PROBLEM
            and response.json()["code"] == "invalid-token"
            and response.headers["www-authenticate"] == "Bearer"
        )
        if not refused:
            slipped.append((method, path, response.status_code))
    return slipped


def _revoked_applicant(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> tuple[str, dict[str, str], dict[str, str]]:
    """An applicant with a voucher and a purchase; returns its id, headers and path ids."""
    ((app_id, me),) = to_vouchers(client, ctx, creds, 1)
    bought = client.post(
        f"/v1/applications/{app_id}/purchases", json={"course_id": course_id(client, "T-WELD")}, headers=me
    )
    assert bought.status_code == 201, bought.text
    ids = {"application_id": app_id, "purchase_id": bought.json()["id"], "survey": "exit"}
    assert client.get(f"/v1/applications/{app_id}", headers=me).status_code == 200
    return app_id, me, ids


def test_a_revoked_applicant_s_access_token_is_refused_on_every_route_at_once(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    app_id, me, ids = _revoked_applicant(client, ctx, creds)
    revoked = client.post(
        f"/v1/applications/{app_id}/revocation", json={"reason": "fraud"}, headers=creds.officer
    )
    assert revoked.status_code == 200, revoked.text
    probes = _applicant_operations(client)
    assert len(probes) >= 12
    assert _not_refused(client, probes, me, ids) == []
    # Staff still read the revoked record: only the applicant's own access ended.
    record = client.get(f"/v1/applications/{app_id}", headers=creds.officer)
    assert record.status_code == 200 and record.json()["status"] == "revoked"


def test_an_applicant_revoked_by_the_service_loses_access_and_refresh_at_once(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    registered = client.post("/v1/registrations", json=registration(7)).json()
    app_id = registered["application_id"]
    me = {"Authorization": f"Bearer {registered['access_token']}"}
    assert client.get(f"/v1/applications/{app_id}", headers=me).status_code == 200
    with ctx.transaction() as uow:
        revocation.revoke(uow, ctx, uuid.UUID(app_id), "duplicate identity")
    refused = client.get(f"/v1/applications/{app_id}", headers=me)
    assert refused.status_code == 401 and refused.json()["code"] == "invalid-token"
    assert "revoked" in refused.json()["detail"]
    grant = client.post(
        "/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": registered["refresh_token"]}
    )
    assert grant.status_code == 401 and grant.headers["content-type"] == PROBLEM
    assert grant.json()["code"] == "invalid-grant"


def test_a_revoked_staff_client_loses_its_token_and_its_credentials_at_once(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    with ctx.transaction() as uow:
        officer = clients.create_client(uow, ctx, "officer", "soon gone")
    form = {
        "grant_type": "client_credentials",
        "client_id": str(officer.client.id),
        "client_secret": officer.secret,
    }
    token = client.post("/v1/auth/token", data=form).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    staff_probes = [("GET", "/v1/waves"), ("GET", "/v1/reports/funnel"), ("POST", "/v1/waves")]
    assert client.get("/v1/waves", headers=headers).status_code == 200
    gone = client.post(f"/v1/clients/{officer.client.id}/revocation", headers=creds.admin)
    assert gone.status_code == 204
    assert _not_refused(client, staff_probes, headers, {}) == []
    again = client.post("/v1/auth/token", data=form)
    assert again.status_code == 401 and again.json()["code"] == "invalid-client"


@pytest.mark.parametrize(("role", "owner"), [("provider", "p1"), ("platform", "tm")])
def test_a_revoked_organisation_s_api_key_is_refused_at_once(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials, role: str, owner: str
) -> None:
    headers = api_key(ctx, role, owner)
    redeem = {"codes": ["NO-SUCH-CODE"]}
    # A provider is let in; a platform is known but may not redeem (403): neither is a 401.
    assert client.post("/v1/redemptions", json=redeem, headers=headers).status_code in (200, 403)
    client_id = headers["X-API-Key"].partition(".")[0]
    assert client.post(f"/v1/clients/{client_id}/revocation", headers=creds.admin).status_code == 204
    refused = client.post("/v1/redemptions", json=redeem, headers=headers)
    assert refused.status_code == 401 and refused.headers["content-type"] == PROBLEM
    assert refused.json()["code"] == "invalid-api-key" and refused.headers["www-authenticate"] == "ApiKey"


def test_a_revoked_rail_s_signed_callbacks_are_refused_at_once(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    def post() -> Any:
        return _post(client, ctx, creds, [])

    assert post().status_code != 401
    gone = client.post(f"/v1/clients/{creds.rail_client}/revocation", headers=creds.admin)
    assert gone.status_code == 204
    refused = post()
    assert refused.status_code == 401 and refused.json()["code"] == "invalid-signature"


def test_staff_tokens_of_other_clients_keep_working_after_one_is_revoked(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    other = staff_token(client, ctx, "officer")
    with ctx.transaction() as uow:
        doomed = clients.create_client(uow, ctx, "officer", "doomed")
    assert client.post(f"/v1/clients/{doomed.client.id}/revocation", headers=creds.admin).status_code == 204
    assert client.get("/v1/waves", headers=other).status_code == 200


def test_a_revoked_applicant_resending_an_idempotency_key_gets_401_not_the_stored_answer(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    ((app_id, me),) = to_vouchers(client, ctx, creds, 1)
    keyed = {**me, "Idempotency-Key": "buy-once"}
    body = {"course_id": course_id(client, "T-WELD")}
    first = client.post(f"/v1/applications/{app_id}/purchases", json=body, headers=keyed)
    assert first.status_code == 201, first.text
    revoked = client.post(
        f"/v1/applications/{app_id}/revocation", json={"reason": "fraud"}, headers=creds.officer
    )
    assert revoked.status_code == 200, revoked.text
    again = client.post(f"/v1/applications/{app_id}/purchases", json=body, headers=keyed)
    assert again.status_code == 401 and again.json()["code"] == "invalid-token", again.text
    assert "idempotent-replayed" not in again.headers
