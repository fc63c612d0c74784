"""Every check-then-write step raced by many transactions at once.

Each race releases its attempts together through a barrier, each in its own
transaction on its own connection. Exactly the attempts the rules allow win; every
other gets the rule's own domain error (never a database error), and the audit log
holds one event per row written. On SQLite the single writer serialises the attempts;
on PostgreSQL they really overlap.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from skillsprogram.config import parse_config
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.access import ApiClient
from skillsprogram.domain.grievances import Grievance
from skillsprogram.domain.models import (
    Application,
    AuditEvent,
    Completion,
    Entitlement,
    Household,
    PaymentAccount,
    Person,
    Purchase,
    Rating,
    SurveyResponse,
    Wave,
)
from skillsprogram.domain.settlement_models import ProviderAccount
from skillsprogram.privacy import PersonalKind
from skillsprogram.services import (
    accounts,
    clients,
    grievances,
    identity,
    programmes,
    registration,
    screening,
    settlements,
    surveys,
    training,
    vouchers,
    waves,
)
from skillsprogram.services.grievances import MAX_OPEN_PER_APPLICATION, GrievanceFiling
from skillsprogram.storage.uow import UnitOfWork
from tests.money.helpers import person_of
from tests.services.helpers import course, register, to_eligible, to_voucher
from tests.support.races import RACERS, race, racing_context, tally
from tests.support.testland import person


@pytest.fixture
def racing(ctx: ProgrammeContext, database_url: str) -> Iterator[ProgrammeContext]:
    """The test's programme on an engine with a connection for every racer."""
    with racing_context(ctx, database_url) as shared:
        yield shared


def count(ctx: ProgrammeContext, model: type, *where: object) -> int:
    """Rows of ``model`` (matching ``where``)."""
    with ctx.uow() as uow:
        query = select(func.count()).select_from(model)
        for condition in where:
            query = query.where(condition)  # type: ignore[arg-type]
        return int(uow.session.execute(query).scalar_one())


def events(ctx: ProgrammeContext, action: str) -> int:
    """Audit events of ``action``."""
    return count(ctx, AuditEvent, AuditEvent.action == action)


def test_the_same_person_registering_at_once_gets_one_application_and_the_others_a_duplicate_refusal(
    racing: ProgrammeContext,
) -> None:
    results = race(racing, lambda uow, _: registration.register(uow, racing, person(1)))
    assert tally(results) == {"ok": 1, "duplicate-registration": RACERS - 1}
    assert (count(racing, Person), count(racing, Application), count(racing, Household)) == (1, 1, 1)
    assert events(racing, "registered") == 1


def test_family_members_sharing_a_new_family_card_register_at_once_under_one_household(
    racing: ProgrammeContext,
) -> None:
    results = race(
        racing, lambda uow, index: registration.register(uow, racing, person(index, household_number="KK77"))
    )
    assert tally(results) == {"ok": RACERS}
    assert count(racing, Household) == 1
    with racing.uow() as uow:
        households = set(uow.session.execute(select(Person.household_id)).scalars())
    assert len(households) == 1 and None not in households
    assert events(racing, "registered") == RACERS


def test_overlapping_registration_batches_register_each_person_once(racing: ProgrammeContext) -> None:
    """Each batch holds persons 0..4 and one person of its own, in an order of its own."""

    def batch(uow: UnitOfWork, index: int) -> list[str]:
        people = [person(n) for n in range(5)][index % 5 :] + [person(n) for n in range(5)][: index % 5]
        outcomes = registration.register_many(uow, racing, [*people, person(100 + index)])
        return [o.error.code if o.error else "ok" for o in outcomes]

    results = race(racing, batch)
    assert tally(results) == {"ok": RACERS}
    per_item = [r.value for r in results]
    assert all(items is not None and items[-1] == "ok" for items in per_item)
    for shared in range(5):
        column = [items[(shared - index % 5) % 5] for index, items in enumerate(per_item) if items]
        assert sorted(column) == ["duplicate-registration"] * (RACERS - 1) + ["ok"]
    assert count(racing, Application) == 5 + RACERS
    assert events(racing, "registered") == 5 + RACERS


def test_one_account_named_by_several_people_at_once_goes_to_one_and_is_refused_to_the_others(
    ctx: ProgrammeContext, racing: ProgrammeContext
) -> None:
    people = [person_of(ctx, a) for a in register(ctx, RACERS)]
    results = race(
        racing,
        lambda uow, index: accounts.add_payment_account(uow, racing, people[index], "wallet", "W000000009"),
    )
    assert tally(results) == {"ok": 1, "account-taken": RACERS - 1}
    assert count(racing, PaymentAccount) == 1
    assert events(racing, "account_verified") == 1


def test_one_person_naming_the_same_account_at_once_gets_the_one_account_every_time(
    ctx: ProgrammeContext, racing: ProgrammeContext
) -> None:
    (holder,) = register(ctx, 1)
    who = person_of(ctx, holder)
    results = race(
        racing, lambda uow, _: accounts.add_payment_account(uow, racing, who, "wallet", "W000000009").id
    )
    assert tally(results) == {"ok": RACERS}
    assert len({r.value for r in results}) == 1
    assert count(racing, PaymentAccount) == 1
    assert events(racing, "account_verified") == 1


def test_one_certificate_number_reported_for_several_enrolments_at_once_is_accepted_once(
    ctx: ProgrammeContext, racing: ProgrammeContext
) -> None:
    holders = to_voucher(ctx, RACERS)
    welding = course(ctx, "T-WELD")
    with ctx.transaction() as uow:
        bought = [
            o.unwrap()
            for o in vouchers.purchase_courses(uow, ctx, [vouchers.Order(h, welding) for h in holders])
        ]
        codes = list(
            uow.session.execute(select(Purchase.redeem_code).where(Purchase.id.in_(bought))).scalars()
        )
        training.redeem_many(uow, ctx, codes)

    def complete(uow: UnitOfWork, index: int) -> uuid.UUID:
        return training.complete(uow, racing, bought[index], "CERT-SAME", 70).purchase_id

    results = race(racing, complete)
    assert tally(results) == {"ok": 1, "invalid-certificate": RACERS - 1}
    assert count(racing, Completion) == 1
    assert events(racing, "course_completed") == 1


def test_one_redeem_code_brought_at_once_starts_the_course_once(
    ctx: ProgrammeContext, racing: ProgrammeContext
) -> None:
    (holder,) = to_voucher(ctx, 1)
    with ctx.transaction() as uow:
        code = vouchers.purchase_course(uow, ctx, holder, course(ctx, "T-WELD")).redeem_code
    results = race(racing, lambda uow, _: training.redeem(uow, racing, code).id)
    assert tally(results) == {"ok": 1, "already-redeemed": RACERS - 1}
    assert events(racing, "purchase_redeemed") == 1


def test_a_course_rated_and_a_survey_answered_at_once_count_once(
    ctx: ProgrammeContext, racing: ProgrammeContext
) -> None:
    (holder,) = to_voucher(ctx, 1)
    welding = course(ctx, "T-WELD")
    with ctx.transaction() as uow:
        purchase = vouchers.purchase_course(uow, ctx, holder, welding)
        training.redeem(uow, ctx, purchase.redeem_code)
        training.complete(uow, ctx, purchase.id, "CERT-1", 90)
    rated = race(racing, lambda uow, _: training.rate(uow, racing, purchase.id, 4).purchase_id)
    assert tally(rated) == {"ok": 1, "already-rated": RACERS - 1}
    assert count(racing, Rating) == 1
    answers = {"useful": "yes", "employed": "no"}
    answered = race(racing, lambda uow, _: surveys.answer_survey(uow, racing, holder, "exit", answers).id)
    assert tally(answered) == {"ok": 1, "survey-already-answered": RACERS - 1}
    assert count(racing, SurveyResponse) == 1
    assert count(racing, Entitlement, Entitlement.benefit == "survey") == 1


def test_purchases_of_one_course_at_once_by_many_beneficiaries_all_succeed(
    ctx: ProgrammeContext, racing: ProgrammeContext
) -> None:
    holders = to_voucher(ctx, RACERS)
    welding = course(ctx, "T-WELD")
    results = race(
        racing, lambda uow, index: vouchers.purchase_course(uow, racing, holders[index], welding).id
    )
    assert tally(results) == {"ok": RACERS}
    assert count(racing, Purchase) == RACERS


def test_complaints_filed_at_once_stop_at_the_open_limit(
    ctx: ProgrammeContext, racing: ProgrammeContext
) -> None:
    (app_id,) = register(ctx, 1)
    filing = GrievanceFiling(app_id, "payment", "not paid", "the incentive did not arrive")
    results = race(racing, lambda uow, _: grievances.file_grievance(uow, racing, filing).id)
    assert tally(results) == {
        "ok": MAX_OPEN_PER_APPLICATION,
        "too-many-open-grievances": RACERS - MAX_OPEN_PER_APPLICATION,
    }
    assert count(racing, Grievance) == MAX_OPEN_PER_APPLICATION


def test_a_complaint_taken_up_by_several_officers_at_once_is_taken_up_once(
    ctx: ProgrammeContext, racing: ProgrammeContext
) -> None:
    (app_id,) = register(ctx, 1)
    with ctx.transaction() as uow:
        filed = grievances.file_grievance(
            uow, ctx, GrievanceFiling(app_id, "payment", "not paid", "the incentive did not arrive")
        )
    results = race(racing, lambda uow, _: grievances.take_up(uow, racing, filed.id).status)
    assert tally(results) == {"ok": 1, "invalid-grievance-transition": RACERS - 1}
    assert events(racing, "grievance_in_review") == 1


def test_a_client_revoked_by_several_administrators_at_once_is_revoked_once(
    ctx: ProgrammeContext, racing: ProgrammeContext
) -> None:
    with ctx.transaction() as uow:
        issued = clients.create_client(uow, ctx, "provider", "Harbour", "p1")
    results = race(racing, lambda uow, _: clients.revoke_client(uow, racing, issued.client.id).id)
    assert tally(results) == {"ok": RACERS}
    assert count(racing, ApiClient, ApiClient.revoked_at.is_not(None)) == 1
    assert events(racing, "client_revoked") == 1


def test_the_next_wave_opened_by_several_officers_at_once_is_opened_once(
    ctx: ProgrammeContext, racing: ProgrammeContext
) -> None:
    ctx.clock.advance(timedelta(days=7))  # type: ignore[attr-defined]
    with ctx.transaction() as uow:
        waves.close_wave(uow, ctx, 1)
    results = race(racing, lambda uow, _: waves.open_wave(uow, racing).number)
    assert tally(results) == {"ok": 1, "wave-already-open": RACERS - 1}
    assert count(racing, Wave) == 2
    assert events(racing, "wave_opened") == 2


def test_a_wave_closed_by_several_officers_at_once_is_closed_once(
    ctx: ProgrammeContext, racing: ProgrammeContext
) -> None:
    ctx.clock.advance(timedelta(days=7))  # type: ignore[attr-defined]
    results = race(racing, lambda uow, _: waves.close_wave(uow, racing, 1).status)
    assert tally(results) == {"ok": 1, "wave-not-open": RACERS - 1}
    assert events(racing, "wave_closed") == 1


def test_a_wave_drawn_by_several_officers_at_once_is_drawn_once_within_the_family_card_cap(
    ctx: ProgrammeContext, racing: ProgrammeContext
) -> None:
    with ctx.transaction() as uow:
        family = [person(n, household_number="KK1") for n in range(6)]
        registration.register_many(uow, ctx, [*family, *(person(n) for n in range(6, 20))])
    to_eligible(ctx)
    with ctx.transaction() as uow:
        waves.allocate_quotas(uow, ctx, 1, 20)
    results = race(racing, lambda uow, _: waves.draw(uow, racing, 1, seed="same seed"))
    assert tally(results) == {"ok": 1, "wave-not-closed": RACERS - 1}
    assert events(racing, "wave_drawn") == 1
    selected = count(racing, Application, Application.status == "selected")
    assert events(racing, "selected") == selected
    assert family_recipients(racing, "KK1") == 2


def family_recipients(ctx: ProgrammeContext, household_number: str) -> int:
    """How many members of the family card are selected (in any programme)."""
    digest = ctx.vault.digest(PersonalKind.HOUSEHOLD_NUMBER, household_number)
    return count(
        ctx,
        Application,
        Application.status == "selected",
        Application.person_id.in_(  # type: ignore[attr-defined]
            select(Person.id)
            .join(Household, Household.id == Person.household_id)
            .where(Household.number_hash == digest)
        ),
    )


def test_two_programmes_drawn_at_once_keep_a_shared_family_card_within_its_cap(
    ctx: ProgrammeContext, racing: ProgrammeContext
) -> None:
    """The family card's cap counts recipients of every programme of the deployment."""
    snapshot = ctx.config.model_dump(mode="json")
    snapshot["programme"]["code"] = "testland-b"
    other = ProgrammeContext(
        config=parse_config(snapshot, source="a second programme"),
        engine=ctx.engine,
        vault=ctx.vault,
        clock=ctx.clock,
        pm=ctx.pm,
        actor="test",
    )
    with other.transaction() as uow:
        programmes.start_programme(uow, other)
        waves.open_wave(uow, other)
    family = [person(n, household_number="KK2") for n in range(4)]
    for programme in (ctx, other):
        with programme.transaction() as uow:
            assert all(o.error is None for o in registration.register_many(uow, programme, family))
    to_eligible(ctx)
    for programme in (ctx, other):
        if programme is other:
            with other.transaction() as uow:
                waves.close_wave(uow, other, 1)
            identity.verify_identities(other)
            screening.screen(other)
        with programme.transaction() as uow:
            waves.allocate_quotas(uow, programme, 1, 4)
    drawing = [racing, dataclasses.replace(racing, config=other.config, programme_id=other.pid)]
    results = race(racing, lambda uow, n: waves.draw(uow, drawing[n % 2], 1, seed=f"seed {n}"))
    assert tally(results) == {"ok": 2, "wave-not-closed": RACERS - 2}
    assert family_recipients(racing, "KK2") == 2


def test_a_programme_started_from_several_processes_at_once_is_started_once(
    ctx: ProgrammeContext, racing: ProgrammeContext
) -> None:
    snapshot = ctx.config.model_dump(mode="json")
    snapshot["programme"]["code"] = "testland-c"
    config = parse_config(snapshot, source="a new programme")
    starters = [dataclasses.replace(racing, config=config, programme_id=None) for _ in range(RACERS)]
    results = race(racing, lambda uow, n: programmes.start_programme(uow, starters[n]).id)
    assert tally(results) == {"ok": RACERS}
    assert len({r.value for r in results}) == 1
    assert {s.programme_id for s in starters} == {results[0].value}
    assert events(racing, "programme_started") == 2  # Testland's, and this one's


def test_a_provider_giving_its_account_several_times_at_once_keeps_one(
    ctx: ProgrammeContext, racing: ProgrammeContext
) -> None:
    request = settlements.ProviderAccountRequest("p1", "wallet", "W000000077", "Harbour Institute")
    results = race(
        racing, lambda uow, _: settlements.register_provider_accounts(uow, racing, [request])[0].unwrap()
    )
    assert tally(results) == {"ok": RACERS}
    assert len({r.value for r in results}) == 1
    assert count(racing, ProviderAccount) == 1
