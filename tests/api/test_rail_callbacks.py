"""A payment rail reporting on payouts through signed callbacks."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from skillsprogram.api.security import sign
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import AuditEvent, LedgerTransaction, Payout
from skillsprogram.domain.payments import PayoutReview, RailNotice
from tests.api.conftest import Credentials
from tests.api.helpers import course_id, to_vouchers

PROBLEM = "application/problem+json"


def _payout_in_flight(client: TestClient, ctx: ProgrammeContext, creds: Credentials) -> Payout:
    """A beneficiary who finished training, with a payout the rail took but never answered."""
    ((app_id, me),) = to_vouchers(client, ctx, creds, 1)
    purchase = client.post(
        f"/v1/applications/{app_id}/purchases", json={"course_id": course_id(client, "T-WELD")}, headers=me
    ).json()
    client.post("/v1/redemptions", json={"codes": [purchase["redeem_code"]]}, headers=creds.provider)
    client.post(
        "/v1/completions",
        json={"items": [{"purchase_id": purchase["id"], "certificate_number": "C-9"}]},
        headers=creds.provider,
    )
    client.post(
        f"/v1/applications/{app_id}/payment-accounts",
        json={"rail": "wallet", "account_number": "W000000001"},
        headers=me,
    )
    client.post(f"/v1/applications/{app_id}/purchases/{purchase['id']}/rating", json={"stars": 4}, headers=me)
    with ctx.transaction() as uow:
        payout = uow.session.execute(select(Payout).order_by(Payout.id)).scalars().first()
        assert payout is not None
        uow.session.execute(update(Payout).values(status="unknown", attempts=1))  # the run timed out
        uow.session.expunge(payout)
    return payout


def _post(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials, notices: list[dict[str, Any]]
) -> Any:
    body = json.dumps(notices).encode()
    now = str(int(ctx.clock.now().timestamp()))
    headers = {
        "X-Client-Id": str(creds.rail_client),
        "X-Timestamp": now,
        "X-Signature": sign(creds.rail_secret, now, body),
        "content-type": "application/json",
    }
    return client.post("/v1/rails/wallet/callbacks", content=body, headers=headers)


def _paid(payout: Payout, notice_id: str = "N-1", **overrides: Any) -> dict[str, Any]:
    notice = {
        "notice_id": notice_id,
        "idempotency_key": payout.idempotency_key,
        "status": "paid",
        "reference": "RAIL-1",
        "amount": payout.amount,
        "currency": payout.currency,
    }
    return {**notice, **overrides}


def _payout_transactions(ctx: ProgrammeContext, payout: Payout) -> int:
    with ctx.uow() as uow:
        return int(
            uow.session.execute(
                select(func.count())
                .select_from(LedgerTransaction)
                .where(LedgerTransaction.reference == f"payout:{payout.id}")
            ).scalar_one()
        )


def _status(ctx: ProgrammeContext, payout: Payout) -> str:
    with ctx.uow() as uow:
        return str(uow.session.execute(select(Payout.status).where(Payout.id == payout.id)).scalar_one())


def _outcomes(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [result["outcome"] for result in response.json()["results"]]


def test_a_paid_notice_settles_the_payout_and_books_the_ledger_once(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    payout = _payout_in_flight(client, ctx, creds)
    paid = _post(client, ctx, creds, [_paid(payout)])
    assert _outcomes(paid) == ["applied"]
    assert paid.json() == {
        "applied": 1,
        "results": [{"notice_id": "N-1", "idempotency_key": payout.idempotency_key, "outcome": "applied"}],
    }
    assert _status(ctx, payout) == "paid"
    booked = _payout_transactions(ctx, payout)
    assert booked > 0
    check = client.post("/v1/ledger/verification", headers=creds.auditor).json()
    assert check["balanced"] is True
    assert next(t["balance"] for t in check["totals"] if t["kind"] == "rail") == payout.amount
    # the rail pays again under a new notice id: the payout already says so, nothing is booked
    assert _outcomes(_post(client, ctx, creds, [_paid(payout, "N-2")])) == ["no_change"]
    assert _payout_transactions(ctx, payout) == booked


def test_the_same_notice_sent_twice_is_applied_once(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    payout = _payout_in_flight(client, ctx, creds)
    assert _outcomes(_post(client, ctx, creds, [_paid(payout)])) == ["applied"]
    booked = _payout_transactions(ctx, payout)
    assert _outcomes(_post(client, ctx, creds, [_paid(payout)])) == ["duplicate"]
    assert _outcomes(_post(client, ctx, creds, [_paid(payout, "N-3"), _paid(payout, "N-3")])) == [
        "no_change",
        "duplicate",
    ]
    assert _payout_transactions(ctx, payout) == booked
    with ctx.uow() as uow:
        duplicates = uow.session.execute(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "rail_notice_duplicate")
        ).scalar_one()
    assert duplicates == 2


def test_an_unknown_key_and_a_wrong_amount_are_recorded_and_reported_not_applied(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    payout = _payout_in_flight(client, ctx, creds)
    response = _post(
        client,
        ctx,
        creds,
        [
            _paid(payout, "N-unknown", idempotency_key="no-such-key"),
            _paid(payout, "N-amount", amount=payout.amount + 1),
            _paid(payout, "N-status", status="settled??"),
        ],
    )
    assert _outcomes(response) == ["unknown_reference", "mismatch", "garbage"]
    assert response.json()["applied"] == 0
    assert _status(ctx, payout) == "unknown"
    assert _payout_transactions(ctx, payout) == 0
    with ctx.uow() as uow:
        kept = dict(uow.session.execute(select(RailNotice.notice_id, RailNotice.outcome)).all())
    assert kept == {"N-unknown": "unknown_reference", "N-amount": "mismatch", "N-status": "garbage"}


def test_a_notice_contradicting_a_final_state_opens_a_review_and_is_not_an_error(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    payout = _payout_in_flight(client, ctx, creds)
    assert _outcomes(_post(client, ctx, creds, [_paid(payout)])) == ["applied"]
    failed = {"notice_id": "N-2", "idempotency_key": payout.idempotency_key, "status": "failed"}
    assert _outcomes(_post(client, ctx, creds, [failed])) == ["conflict"]
    assert _status(ctx, payout) == "paid"
    with ctx.uow() as uow:
        reviews = uow.session.execute(
            select(func.count()).select_from(PayoutReview).where(PayoutReview.payout_id == payout.id)
        ).scalar_one()
    assert reviews == 1


def test_a_malformed_notice_is_a_422_problem_and_applies_nothing(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    payout = _payout_in_flight(client, ctx, creds)
    for notices in ([_paid(payout, balance=1)], [{"idempotency_key": payout.idempotency_key}], []):
        response = _post(client, ctx, creds, notices)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM
    assert _status(ctx, payout) == "unknown"


def test_a_bad_signature_is_refused_with_401_and_writes_nothing(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    payout = _payout_in_flight(client, ctx, creds)
    with ctx.uow() as uow:
        events_before = uow.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    body = json.dumps([_paid(payout)]).encode()
    now = str(int(ctx.clock.now().timestamp()))
    refused = client.post(
        "/v1/rails/wallet/callbacks",
        content=body,
        headers={
            "X-Client-Id": str(creds.rail_client),
            "X-Timestamp": now,
            "X-Signature": sign("not the secret", now, body),
            "content-type": "application/json",
        },
    )
    assert refused.status_code == 401
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["code"] == "invalid-signature"
    assert _status(ctx, payout) == "unknown"
    assert _payout_transactions(ctx, payout) == 0
    with ctx.uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(RailNotice)).scalar_one() == 0
        events_after = uow.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    assert events_after == events_before
