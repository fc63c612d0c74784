"""Every list is a cursor page, lists and records name a field alike, and records say why:
purchases and payment accounts, applications' waves, courses' providers, payouts' reasons."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from skillsprogram.config import ProgrammeConfig
from skillsprogram.context import ProgrammeContext
from tests.api.conftest import Credentials
from tests.api.helpers import course_id, register, to_vouchers


@pytest.fixture
def config(config: ProgrammeConfig) -> ProgrammeConfig:
    """Testland whose wallet never answers a payment in time (every payout ends ``unknown``)."""
    rails = {
        **config.settings_for("sandbox_rails"),
        "timeout_rate": 1.0,
        "processed_before_timeout_rate": 0.0,
    }
    return config.model_copy(update={"plugin_settings": {**config.plugin_settings, "sandbox_rails": rails}})


def pages(client: TestClient, path: str, headers: dict[str, str]) -> list[list[dict[str, Any]]]:
    """Every page of a list, one item per page."""
    found, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"items", "next_cursor"}
        found.append(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def test_purchases_and_payment_accounts_are_cursor_pages_like_every_other_list(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    ((app_id, me),) = to_vouchers(client, ctx, creds, 1)
    bought = [
        client.post(
            f"/v1/applications/{app_id}/purchases", json={"course_id": course_id(client, code)}, headers=me
        )
        for code in ("T-WELD", "T-CODE")
    ]
    assert [b.status_code for b in bought] == [201, 201]
    purchases = pages(client, f"/v1/applications/{app_id}/purchases", me)
    assert [p["id"] for page in purchases for p in page] == [b.json()["id"] for b in bought]
    added = client.post(
        f"/v1/applications/{app_id}/payment-accounts",
        json={"rail": "wallet", "account_number": "W000000001"},
        headers=me,
    )
    assert added.status_code == 201, added.text
    accounts = pages(client, f"/v1/applications/{app_id}/payment-accounts", creds.officer)
    assert [a["id"] for page in accounts for a in page] == [added.json()["id"]]
    assert accounts[0][0]["account_number"] == "W000000001"  # officers see it in clear


def test_an_application_names_its_wave_alike_in_the_list_and_in_the_record(
    client: TestClient, creds: Credentials
) -> None:
    app_id, _ = register(client, 1)
    listed = client.get("/v1/applications", headers=creds.officer).json()["items"]
    record = client.get(f"/v1/applications/{app_id}", headers=creds.officer).json()
    (summary,) = [a for a in listed if a["id"] == app_id]
    assert "wave_id" not in summary
    assert summary["wave"] == record["wave"] == 1
    found = client.post(
        "/v1/people/lookup", json={"national_id": "1000001", "reason": "test"}, headers=creds.officer
    ).json()
    assert [a["wave"] for a in found["applications"]] == [1]


def test_courses_name_their_provider_and_platform(client: TestClient) -> None:
    courses = {c["code"]: c for c in client.get("/v1/courses", params={"limit": 200}).json()["items"]}
    assert courses["T-WELD"]["provider"] == {"code": "p1", "name": "Harbour Institute"}
    assert courses["T-CODE"]["provider"] == {"code": "p2", "name": "Hills Academy"}
    assert courses["T-WELD"]["platform"] == {"code": "tm", "name": "Testmarket"}


def test_a_payout_whose_fate_is_unknown_says_why(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    ((app_id, me),) = to_vouchers(client, ctx, creds, 1)
    purchase = client.post(
        f"/v1/applications/{app_id}/purchases", json={"course_id": course_id(client, "T-WELD")}, headers=me
    ).json()
    assert client.post(
        "/v1/redemptions", json={"codes": [purchase["redeem_code"]]}, headers=creds.provider
    ).json()["accepted"]
    completion = {"purchase_id": purchase["id"], "certificate_number": "C-1", "score": 90}
    assert client.post("/v1/completions", json={"items": [completion]}, headers=creds.provider).json()[
        "accepted"
    ]
    account = {"rail": "wallet", "account_number": "W000000001"}
    assert (
        client.post(f"/v1/applications/{app_id}/payment-accounts", json=account, headers=me).status_code
        == 201
    )
    rated = client.post(
        f"/v1/applications/{app_id}/purchases/{purchase['id']}/rating", json={"stars": 4}, headers=me
    )
    assert rated.status_code == 201, rated.text
    assert client.post("/v1/payout-runs", headers=creds.officer).json()["outcomes"] == {"unknown": 1}
    payouts = client.get(f"/v1/applications/{app_id}", headers=me).json()["payouts"]
    reasons = {p["status"]: p["reason"] for p in payouts}
    assert reasons == {"unknown": "rail timed out", "scheduled": None}  # the second instalment is not due yet
