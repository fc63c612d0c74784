"""The benefit schedule is asked once per batch of events; a per-event plugin still works."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import pytest
from sqlalchemy import select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import BenefitEvent, EntitlementSpec
from skillsprogram.domain.models import Application, Entitlement
from skillsprogram.hooks.manager import build_plugin_manager
from skillsprogram.hooks.specs import hookimpl
from skillsprogram.services import benefits
from skillsprogram.services.benefits import Earning
from tests.services.helpers import to_voucher


class CountingSchedule:
    """Watches the batches the default schedule answers (answers nothing itself)."""

    def __init__(self) -> None:
        self.batches: list[list[BenefitEvent]] = []

    @hookimpl(tryfirst=True)
    def skillsprogram_benefit_schedule(self, events: Sequence[BenefitEvent]) -> None:
        self.batches.append(list(events))


class PerEventBonus:
    """A schedule plugin of the previous release: a fixed bonus for each rated course."""

    @hookimpl
    def skillsprogram_entitlements(self, event: BenefitEvent) -> list[EntitlementSpec] | None:
        if event.kind != "first_course_rated":
            return None
        return [EntitlementSpec("bonus", 1, 7, event.occurred_at)]


def holders(ctx: ProgrammeContext, count: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
    ids = to_voucher(ctx, count)
    with ctx.uow() as uow:
        rows = uow.session.execute(
            select(Application.id, Application.person_id).where(Application.id.in_(ids))
        ).all()
    return [(row[0], row[1]) for row in rows]


def earned(ctx: ProgrammeContext) -> list[tuple[uuid.UUID, str, int]]:
    with ctx.uow() as uow:
        query = select(Entitlement.application_id, Entitlement.benefit, Entitlement.period)
        return sorted((row[0], row[1], row[2]) for row in uow.session.execute(query))


def test_a_batch_of_events_is_judged_in_one_call(ctx: ProgrammeContext) -> None:
    watcher = CountingSchedule()
    ctx.pm = build_plugin_manager(ctx.config.plugins, extra=[("watcher", watcher)])
    people = holders(ctx, 4)
    with ctx.transaction() as uow:
        benefits.earn_many(uow, ctx, [Earning(app, person, "first_course_rated") for app, person in people])
    assert [len(batch) for batch in watcher.batches] == [4]
    assert earned(ctx) == sorted((app, "incentive", n) for app, _ in people for n in (1, 2))


def test_a_beneficiary_s_second_event_in_a_batch_counts_what_the_first_earned(
    ctx: ProgrammeContext,
) -> None:
    watcher = CountingSchedule()
    ctx.pm = build_plugin_manager(ctx.config.plugins, extra=[("watcher", watcher)])
    (app, person), (other, someone) = holders(ctx, 2)
    with ctx.transaction() as uow:
        benefits.earn_many(
            uow,
            ctx,
            [
                Earning(app, person, "survey_answered", "exit"),
                Earning(other, someone, "survey_answered", "exit"),
                Earning(app, person, "survey_answered", "again"),
            ],
        )
    assert [len(batch) for batch in watcher.batches] == [2, 1]
    assert watcher.batches[1][0].earned_before == {"survey": 1}
    assert earned(ctx) == sorted([(app, "survey", 1), (other, "survey", 1)])  # one survey instalment


def test_a_per_event_schedule_plugin_still_answers_its_events_and_is_warned(ctx: ProgrammeContext) -> None:
    name = f"bonus-{uuid.uuid4().hex}"
    with pytest.warns(DeprecationWarning, match=f"{name}.*skillsprogram_benefit_schedule"):
        ctx.pm = build_plugin_manager(ctx.config.plugins, extra=[(name, PerEventBonus())])
    (app, person), *_ = holders(ctx, 1)
    with ctx.transaction() as uow:
        benefits.earn_many(
            uow,
            ctx,
            [Earning(app, person, "first_course_rated"), Earning(app, person, "survey_answered", "exit")],
        )
    assert earned(ctx) == sorted([(app, "bonus", 1), (app, "survey", 1)])
