"""Taking the audit log into the report tallies, set-based, after a cursor of its own.

Each refresh reads the audit events after the ``report-tallies`` cursor (audit ids
commit in order) in ranges of ids, and for each range inserts with one
``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` per kind of milestone:

* an application's own events (``registered``, ``selected``, ``course_completed``...),
  one milestone per application and stage, dated by the first such event;
* ``paid``: a payout paid (its entitlement names the application);
* ``rule:<code>``: each eligibility rule an application screened ineligible failed.

A person reaching a stage twice counts once (the milestone's primary key). When there
were new events, the programme's tally (milestones per stage, wave, leaf region and day;
the ledger's transactions and amounts per kind and day) is rebuilt with one
``INSERT ... SELECT ... GROUP BY`` each: an application's wave is read as it stands (it is
drawn into one after registering).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Select, Uuid, cast, delete, func, literal, select, update
from sqlalchemy.sql import ColumnElement
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.lifecycle import PayoutStatus, PurchaseStatus
from skillsprogram.domain.models import (
    Application,
    AuditEvent,
    EligibilityFinding,
    Entitlement,
    EventCursor,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    Person,
    Purchase,
    Wave,
)
from skillsprogram.domain.report_models import ReportMilestone, ReportTally
from skillsprogram.services.events import locked_cursor
from skillsprogram.services.figures import groups
from skillsprogram.services.figures.scope import Regions
from skillsprogram.storage.uow import UnitOfWork, table_of

CONSUMER = "report-tallies"
CHUNK = 200_000
"""Audit ids taken in per statement (and per transaction)."""

#: The application events that mark a stage, by stage (the stage is the action's name).
APPLICATION_STAGES = (
    "registered",
    "identity_verified",
    "identity_rejected",
    "screened_eligible",
    "screened_ineligible",
    "selected",
    "waitlisted",
    "voucher_issued",
    "voucher_forfeited",
    "course_purchased",
    "course_completed",
    "course_rated",
    "survey_answered",
    "revoked",
)
PAID = "paid"
RULE_PREFIX = "rule:"
LEDGER_PREFIX = "ledger:"
GROUP_STAGES = ("registered", "selected", "course_completed", PAID)
"""The stages the inclusion groups are counted at (as ``group:<code>:<stage>``)."""
MILESTONE_KEY = ("application_id", "stage")


def rules_failed(counts: dict[str, int]) -> list[tuple[str, int]]:
    """The ``rule:<code>`` stages of summed tallies as (rule, applications), most failed first."""
    return sorted(
        (
            (stage.removeprefix(RULE_PREFIX), n)
            for stage, n in counts.items()
            if stage.startswith(RULE_PREFIX)
        ),
        key=lambda item: (-item[1], item[0]),
    )


def refresh(ctx: ProgrammeContext) -> int:
    """Bring the programme's tallies up to date; returns the milestones taken in (counted
    before and after: PostgreSQL's driver reports no row count for ``INSERT ... SELECT``)."""
    groups.check_groups(ctx)
    with ctx.uow() as uow:
        before = _milestones(uow, ctx)
    moved = False
    while True:
        with ctx.uow() as uow:
            last = locked_cursor(uow, CONSUMER)
            events = table_of(AuditEvent)
            newest = uow.session.execute(select(func.max(events.c.id))).scalar()
            if newest is None or newest <= last:
                break
            upto = min(newest, last + CHUNK)
            _take_in(uow, ctx, last, upto)
            moved = True
            uow.session.execute(
                update(EventCursor).where(col(EventCursor.consumer) == CONSUMER).values(last_event_id=upto)
            )
            uow.commit()
    if not moved:
        return 0
    with ctx.uow() as uow:
        taken = _milestones(uow, ctx) - before
        if taken > before // 10:
            # A tenth more milestones than the planner last saw: without fresh statistics
            # PostgreSQL plans the rebuild's join as a nested loop over millions of probes.
            uow.refresh_statistics(ReportMilestone)
        rebuild_tally(uow, ctx)
        uow.commit()
    return taken


def _as_uuid(uow: UnitOfWork, text: Any) -> ColumnElement[Any]:
    """An audit event's ``entity_id`` (a UUID's text) as the database stores a UUID."""
    if uow.dialect == "postgresql":
        return cast(text, Uuid())
    return func.replace(text, "-", "")


def _milestones(uow: UnitOfWork, ctx: ProgrammeContext) -> int:
    return int(
        uow.session.execute(
            select(func.count()).where(col(ReportMilestone.programme_id) == ctx.pid)
        ).scalar_one()
    )


def _take_in(uow: UnitOfWork, ctx: ProgrammeContext, after: int, upto: int) -> None:
    events = table_of(AuditEvent)
    in_range = (
        events.c.id > after,
        events.c.id <= upto,
        events.c.programme_id == ctx.pid,
    )
    columns = ["application_id", "stage", "programme_id", "day"]
    insert = uow.insert_skipping_existing(ReportMilestone, MILESTONE_KEY)
    own = (
        select(
            _as_uuid(uow, events.c.entity_id),
            events.c.action,
            literal(ctx.pid, Uuid()),
            func.min(func.date(events.c.occurred_at)),
        )
        .where(*in_range, events.c.entity == "application", events.c.action.in_(APPLICATION_STAGES))
        .group_by(events.c.entity_id, events.c.action)
    )
    paid = (
        select(
            col(Entitlement.application_id),
            literal(PAID),
            literal(ctx.pid, Uuid()),
            func.min(func.date(events.c.occurred_at)),
        )
        .join(Payout, col(Payout.id) == _as_uuid(uow, events.c.entity_id))
        .join(Entitlement, col(Entitlement.id) == Payout.entitlement_id)
        .where(
            *in_range,
            events.c.entity == "payout",
            events.c.action == "payout_paid",
            col(Payout.status) == PayoutStatus.PAID.value,
        )
        .group_by(col(Entitlement.application_id))
    )
    rules = (
        select(
            col(EligibilityFinding.application_id),
            literal(RULE_PREFIX) + col(EligibilityFinding.rule),
            literal(ctx.pid, Uuid()),
            func.min(func.date(events.c.occurred_at)),
        )
        .join(EligibilityFinding, col(EligibilityFinding.application_id) == _as_uuid(uow, events.c.entity_id))
        .where(
            *in_range,
            events.c.entity == "application",
            events.c.action == "screened_ineligible",
            col(EligibilityFinding.passed).is_(False),
        )
        .group_by(col(EligibilityFinding.application_id), col(EligibilityFinding.rule))
    )
    for query in (own, paid, rules):
        uow.session.execute(insert.from_select(columns, query))


def rebuild_tally(uow: UnitOfWork, ctx: ProgrammeContext) -> None:
    """Recount the programme's tally from its milestones, its inclusion groups' milestones,
    the ledger and the money spent and paid (one ``INSERT ... SELECT`` each)."""
    tally = table_of(ReportTally)
    uow.session.execute(delete(tally).where(tally.c.programme_id == ctx.pid))
    columns = ["programme_id", "stage", "wave", "region_code", "day", "count", "amount"]
    uow.session.execute(
        tally.insert().from_select(columns, _milestones_counted(ctx, col(ReportMilestone.stage)))
    )
    _ledger_tally(uow, ctx, columns)
    _money_tally(uow, ctx, columns)
    if not ctx.config.reports.inclusion:
        return
    regions = Regions.load(uow)
    for group in ctx.config.reports.inclusion:
        where, person = groups.conditions(group, regions)
        stage = literal(group_stage(group.code, "")) + col(ReportMilestone.stage)
        query = _milestones_counted(ctx, stage, col(ReportMilestone.stage).in_(GROUP_STAGES), *where)
        if person:
            query = query.join(Person, col(Person.id) == Application.person_id)
        uow.session.execute(tally.insert().from_select(columns, query))


def _milestones_counted(ctx: ProgrammeContext, stage: Any, *where: Any) -> Select[Any]:
    """The programme's milestones (those meeting ``where``) counted per stage, wave, leaf
    region and day, the stage written as ``stage``."""
    wave = func.coalesce(col(Wave.number), 0)
    return (
        select(
            literal(ctx.pid, Uuid()),
            stage,
            wave,
            col(Application.region_code),
            col(ReportMilestone.day),
            func.count(),
            literal(0, BigInteger()),
        )
        .join(Application, col(Application.id) == ReportMilestone.application_id)
        .outerjoin(Wave, col(Wave.id) == Application.wave_id)
        .where(col(ReportMilestone.programme_id) == ctx.pid, *where)
        .group_by(col(ReportMilestone.stage), wave, col(Application.region_code), col(ReportMilestone.day))
    )


def _ledger_tally(uow: UnitOfWork, ctx: ProgrammeContext, columns: list[str]) -> None:
    """The ledger's transactions and the money they moved, per kind and day (stages
    ``ledger:<kind>``), in the programme's currency."""
    day = func.date(col(LedgerTransaction.created_at))
    stage = literal(LEDGER_PREFIX) + col(LedgerTransaction.kind)
    moved = (
        select(
            literal(ctx.pid, Uuid()),
            stage,
            literal(0),
            literal(""),
            day,
            func.count(func.distinct(col(LedgerTransaction.id))),
            func.sum(LedgerEntry.amount),
        )
        .join(LedgerEntry, col(LedgerEntry.transaction_id) == LedgerTransaction.id)
        .where(
            col(LedgerTransaction.programme_id) == ctx.pid,
            col(LedgerEntry.amount) > 0,
            col(LedgerEntry.currency) == ctx.config.currency,
        )
        .group_by(col(LedgerTransaction.kind), day)
    )
    uow.session.execute(table_of(ReportTally).insert().from_select(columns, moved))


SPENT_STATES = (PurchaseStatus.REDEEMED.value, PurchaseStatus.COMPLETED.value)
SPENT = "money:spent"
"""Purchases redeemed or completed, and their price, per wave, leaf region and day bought."""
PAID_MONEY = "money:paid"
"""Payouts paid, and their amount, per wave, leaf region and day last updated."""


def _money_tally(uow: UnitOfWork, ctx: ProgrammeContext, columns: list[str]) -> None:
    """Money spent on courses and incentives paid per wave, leaf region and day (stages
    ``money:spent`` and ``money:paid``), in the programme's currency."""
    wave = func.coalesce(col(Wave.number), 0)
    region = col(Application.region_code)

    def summed(stage: str, day: Any, amount: Any) -> Select[Any]:
        return select(
            literal(ctx.pid, Uuid()), literal(stage), wave, region, day, func.count(), func.sum(amount)
        ).group_by(wave, region, day)

    bought = func.date(col(Purchase.purchased_at))
    spent = (
        summed(SPENT, bought, col(Purchase.price))
        .select_from(Purchase)
        .join(Application, col(Application.id) == Purchase.application_id)
        .outerjoin(Wave, col(Wave.id) == Application.wave_id)
        .where(
            col(Application.programme_id) == ctx.pid,
            col(Purchase.status).in_(SPENT_STATES),
            col(Purchase.currency) == ctx.config.currency,
        )
    )
    paid = (
        summed(PAID_MONEY, func.date(col(Payout.updated_at)), col(Payout.amount))
        .select_from(Payout)
        .join(Entitlement, col(Entitlement.id) == Payout.entitlement_id)
        .join(Application, col(Application.id) == Entitlement.application_id)
        .outerjoin(Wave, col(Wave.id) == Application.wave_id)
        .where(
            col(Payout.programme_id) == ctx.pid,
            col(Payout.status) == PayoutStatus.PAID.value,
            col(Payout.currency) == ctx.config.currency,
        )
    )
    tally = table_of(ReportTally)
    for query in (spent, paid):
        uow.session.execute(tally.insert().from_select(columns, query))


def group_stage(code: str, stage: str) -> str:
    """The tally stage counting inclusion group ``code`` at ``stage``."""
    return f"group:{code}:{stage}"
