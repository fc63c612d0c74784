"""Choosing which of one's verified payment accounts is paid, through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from skillsprogram.context import ProgrammeContext
from tests.api.conftest import Credentials
from tests.api.helpers import to_vouchers


def test_an_applicant_chooses_a_verified_account_and_cannot_choose_a_rejected_one(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    ((app_id, me),) = to_vouchers(client, ctx, creds, 1)
    accounts = f"/v1/applications/{app_id}/payment-accounts"
    first = client.post(accounts, json={"rail": "wallet", "account_number": "W000000001"}, headers=me).json()
    second = client.post(accounts, json={"rail": "wallet", "account_number": "W000000002"}, headers=me).json()
    bad = client.post(accounts, json={"rail": "wallet", "account_number": "X1"}, headers=me).json()
    assert bad["status"] == "rejected" and not first["chosen"]

    chosen = client.post(f"{accounts}/{second['id']}/choice", headers=me)
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["chosen"] is True
    listed = {a["id"]: a["chosen"] for a in client.get(accounts, headers=me).json()["items"]}
    assert listed == {first["id"]: False, second["id"]: True, bad["id"]: False}

    refused = client.post(f"{accounts}/{bad['id']}/choice", headers=me)
    assert refused.status_code == 409
    assert refused.json()["code"] == "account-not-verified"
    again = client.post(f"{accounts}/{first['id']}/choice", headers=me)
    assert again.status_code == 200
    listed = {a["id"]: a["chosen"] for a in client.get(accounts, headers=me).json()["items"]}
    assert listed == {first["id"]: True, second["id"]: False, bad["id"]: False}
