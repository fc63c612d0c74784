"""One applicant from registration to paid incentive, entirely through the HTTP API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from skillsprogram.context import ProgrammeContext
from tests.api.conftest import Credentials
from tests.api.helpers import course_id, register, to_vouchers


def test_an_applicant_goes_from_registration_to_a_paid_incentive_through_the_api(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    ((app_id, me),) = to_vouchers(client, ctx, creds, 1)
    voucher = client.get(f"/v1/applications/{app_id}/voucher", headers=me)
    assert voucher.status_code == 200 and voucher.json()["balance"] == 1_000_000

    bought = client.post(
        f"/v1/applications/{app_id}/purchases", json={"course_id": course_id(client, "T-WELD")}, headers=me
    )
    assert bought.status_code == 201, bought.text
    purchase = bought.json()
    assert client.get(f"/v1/applications/{app_id}/voucher", headers=me).json()["balance"] == 600_000

    redeemed = client.post(
        "/v1/redemptions", json={"codes": [purchase["redeem_code"]]}, headers=creds.provider
    )
    assert redeemed.json()["accepted"] == 1, redeemed.text
    done = client.post(
        "/v1/completions",
        json={"items": [{"purchase_id": purchase["id"], "certificate_number": "C-1", "score": 90}]},
        headers=creds.provider,
    )
    assert done.json()["accepted"] == 1, done.text
    account = client.post(
        f"/v1/applications/{app_id}/payment-accounts",
        json={"rail": "wallet", "account_number": "W000000001"},
        headers=me,
    )
    assert account.status_code == 201, account.text
    assert account.json()["status"] == "verified"
    assert account.json()["account_number"] == "******0001"
    rated = client.post(
        f"/v1/applications/{app_id}/purchases/{purchase['id']}/rating", json={"stars": 5}, headers=me
    )
    assert rated.status_code == 201, rated.text
    survey = client.post(
        f"/v1/applications/{app_id}/surveys/exit",
        json={"answers": {"useful": "yes", "employed": "no"}},
        headers=me,
    )
    assert survey.status_code == 201, survey.text

    run = client.post("/v1/payout-runs", headers=creds.officer)
    assert run.status_code == 200, run.text
    assert run.json()["outcomes"].get("paid", 0) >= 1

    record = client.get(f"/v1/applications/{app_id}", headers=me).json()
    assert record["status"] == "training_completed"
    assert any(p["status"] == "paid" for p in record["payouts"])
    assert record["person"]["national_id"].startswith("***")
    timeline = client.get(f"/v1/applications/{app_id}/timeline", headers=me).json()["items"]
    actions = [e["action"] for e in timeline]
    assert actions[0] == "registered" and "course_completed" in actions

    check = client.post("/v1/ledger/verification", headers=creds.auditor)
    assert check.status_code == 200 and check.json()["balanced"] is True
    log = client.get("/v1/audit-events", params={"limit": 1000}, headers=creds.auditor).text
    assert "W000000001" not in log and "******0001" in log  # account numbers only masked
    assert "+9900000000" not in client.get(f"/v1/applications/{app_id}", headers=me).text  # phone masked


def test_registration_returns_a_token_that_reads_only_the_new_application(client: TestClient) -> None:
    app_id, me = register(client, 1)
    assert client.get(f"/v1/applications/{app_id}", headers=me).json()["status"] == "registered"


def test_concurrent_purchases_through_the_api_never_overdraw_the_voucher(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    ((app_id, me),) = to_vouchers(client, ctx, creds, 1)
    weld = course_id(client, "T-WELD")  # 400,000 of a 1,000,000 voucher: two fit, a third does not

    def buy(_: int) -> int:
        return client.post(
            f"/v1/applications/{app_id}/purchases", json={"course_id": weld}, headers=me
        ).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(buy, range(6)))
    assert statuses == [201, 201, 409, 409, 409, 409]
    assert client.get(f"/v1/applications/{app_id}/voucher", headers=me).json()["balance"] == 200_000
