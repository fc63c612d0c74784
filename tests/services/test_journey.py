"""An application's way through the programme, stage by stage, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import Application
from skillsprogram.services import accounts, journey, payouts, revocation
from skillsprogram.services.journey import Journey
from tests.services.helpers import register, to_eligible, to_voucher
from tests.services.test_vouchers_training_payouts import person_of, trained


def way(ctx: ProgrammeContext, application_id: uuid.UUID) -> Journey:
    with ctx.uow() as uow:
        return journey.journey(uow, ctx, application_id)


def states(found: Journey) -> dict[str, str]:
    return {stage.key: stage.state for stage in found.stages}


def test_a_new_registration_waits_for_its_identity_check(ctx: ProgrammeContext) -> None:
    (application,) = register(ctx, 1)
    found = way(ctx, application)
    assert states(found) == {
        "registered": "done",
        "identity": "waiting",
        "eligibility": "upcoming",
        "selection": "upcoming",
        "voucher": "upcoming",
        "purchase": "upcoming",
        "completion": "upcoming",
        "rating": "upcoming",
        "payments": "upcoming",
    }
    assert found.stages[0].at is not None and found.voucher_balance is None


def test_a_refused_eligibility_names_the_rule_and_its_reason(ctx: ProgrammeContext) -> None:
    (application,) = register(ctx, 1, occupation="soldier")
    to_eligible(ctx)
    found = way(ctx, application)
    assert states(found)["identity"] == "done"
    assert states(found)["eligibility"] == "refused"
    assert [(r.rule, r.reason) for r in found.refusals] == [("testland.not_soldier", "soldiers are excluded")]


def test_an_application_not_drawn_is_waitlisted(ctx: ProgrammeContext) -> None:
    holders = to_voucher(ctx, 3, quota=1)
    with ctx.uow() as uow:
        everyone = list(uow.session.execute(select(col(Application.id))).scalars())
    waitlisted = [a for a in everyone if a not in holders]
    assert len(waitlisted) == 2
    found = way(ctx, waitlisted[0])
    selection = next(s for s in found.stages if s.key == "selection")
    assert (selection.state, selection.outcome) == ("waiting", "waitlisted")
    assert states(found)["voucher"] == "upcoming"


def test_a_voucher_holder_sees_the_balance_and_is_asked_to_buy_a_course(ctx: ProgrammeContext) -> None:
    (holder,) = to_voucher(ctx, 1)
    found = way(ctx, holder)
    assert states(found)["voucher"] == "done"
    assert states(found)["purchase"] == "waiting"
    assert found.voucher_balance is not None and found.voucher_balance > 0


def test_a_trained_and_paid_recipient_sees_every_stage_done_and_each_instalment(
    ctx: ProgrammeContext,
) -> None:
    (holder,) = to_voucher(ctx, 1)
    trained(ctx, holder)
    with ctx.transaction() as uow:
        accounts.add_payment_account(uow, ctx, person_of(ctx, holder), "wallet", "W000000001")
    payouts.run_payouts(ctx)  # the first instalment is paid, the second is due in 30 days
    found = way(ctx, holder)
    assert set(states(found).values()) == {"done"}
    assert [i.payment for i in found.instalments] == ["paid", "scheduled"]
    assert found.instalments[0].paid_at is not None


def test_a_revoked_application_stops_what_was_still_to_come(ctx: ProgrammeContext) -> None:
    (holder,) = to_voucher(ctx, 1)
    with ctx.transaction() as uow:
        revocation.revoke(uow, ctx, holder, "found to be a civil servant")
    found = way(ctx, holder)
    assert found.revoked
    assert states(found)["purchase"] == "stopped"
    assert found.stages[-1].key == "revoked" and found.stages[-1].state == "refused"
