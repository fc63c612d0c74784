"""The voucher read through the API: balance, what is held, and its history."""

from __future__ import annotations

from fastapi.testclient import TestClient

from skillsprogram.context import ProgrammeContext
from tests.api.conftest import Credentials
from tests.api.helpers import course_id, to_vouchers


def test_the_voucher_lists_its_issue_and_each_course_held_until_redeemed(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    ((app_id, me),) = to_vouchers(client, ctx, creds, 1)
    bought = client.post(
        f"/v1/applications/{app_id}/purchases", json={"course_id": course_id(client, "T-WELD")}, headers=me
    ).json()
    voucher = client.get(f"/v1/applications/{app_id}/voucher", headers=me).json()
    assert (voucher["balance"], voucher["held"]) == (600_000, 400_000)
    assert [(m["kind"], m["amount"], m["purchase_id"]) for m in voucher["history"]] == [
        ("voucher_issue", 1_000_000, None),
        ("course_reserve", -400_000, bought["id"]),
    ]
    assert voucher["history"][1]["purchase_status"] == "purchased"

    redeemed = client.post("/v1/redemptions", json={"codes": [bought["redeem_code"]]}, headers=creds.provider)
    assert redeemed.json()["accepted"] == 1
    voucher = client.get(f"/v1/applications/{app_id}/voucher", headers=me).json()
    assert (voucher["balance"], voucher["held"]) == (600_000, 0)
    assert voucher["history"][1]["purchase_status"] == "redeemed"
