"""Taking the audit log into the report tallies, set-based, after a cursor of its own.

Each refresh reads the audit events after the ``report-tallies`` cursor (audit ids
commit in order) in ranges of ids, and for each range inserts with one
``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` per kind of milestone:

* an application's own events (``registered``, ``selected``, ``course_completed``...),
  one milestone per application and stage, dated by the first such event;
* ``paid``: a payout paid (its entitlement names the application);
* ``rule:<code>``: each eligibility rule an application screened ineligible failed.

A person reaching a stage twice counts once (the milestone's primary key). When anything
was taken in, the programme's tally (milestones per stage, wave, leaf region and day) is
rebuilt from the milestones with one ``INSERT ... SELECT ... GROUP BY``: an application's
wave is read as it stands (it is drawn into one after registering).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Uuid, cast, delete, func, literal, select, update
from sqlalchemy.sql import ColumnElement
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.lifecycle import PayoutStatus
from skillsprogram.domain.models import (
    Application,
    AuditEvent,
    EligibilityFinding,
    Entitlement,
    EventCursor,
    Payout,
    Person,
    Wave,
)
from skillsprogram.domain.report_models import ReportMilestone, ReportTally
from skillsprogram.services.figures import groups
from skillsprogram.services.figures.scope import Regions
from skillsprogram.storage.rows import EventCursorRow
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
            last = _cursor(uow)
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
        if taken:
            rebuild_tally(uow, ctx)
            uow.commit()
    return taken


def _cursor(uow: UnitOfWork) -> int:
    query = uow.locked(select(col(EventCursor.last_event_id)).where(col(EventCursor.consumer) == CONSUMER))
    last = uow.session.execute(query).scalar()
    if last is None:
        start: EventCursorRow = {"consumer": CONSUMER, "last_event_id": 0}
        uow.insert_shared(EventCursor, [start], ["consumer"])
        last = uow.session.execute(query).scalar_one()
    return int(last)


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
    """Recount the programme's tally from its milestones (one statement)."""
    tally = table_of(ReportTally)
    uow.session.execute(delete(tally).where(tally.c.programme_id == ctx.pid))
    wave = func.coalesce(col(Wave.number), 0)
    counted = (
        select(
            literal(ctx.pid, Uuid()),
            col(ReportMilestone.stage),
            wave,
            col(Application.region_code),
            col(ReportMilestone.day),
            func.count(),
        )
        .join(Application, col(Application.id) == ReportMilestone.application_id)
        .outerjoin(Wave, col(Wave.id) == Application.wave_id)
        .where(col(ReportMilestone.programme_id) == ctx.pid)
        .group_by(col(ReportMilestone.stage), wave, col(Application.region_code), col(ReportMilestone.day))
    )
    columns = ["programme_id", "stage", "wave", "region_code", "day", "count"]
    uow.session.execute(tally.insert().from_select(columns, counted))
    if not ctx.config.reports.inclusion:
        return
    regions = Regions.load(uow)
    for group in ctx.config.reports.inclusion:
        where, person = groups.conditions(group, regions)
        stage = literal(group_stage(group.code, "")) + col(ReportMilestone.stage)
        query = (
            select(
                literal(ctx.pid, Uuid()),
                stage,
                wave,
                col(Application.region_code),
                col(ReportMilestone.day),
                func.count(),
            )
            .join(Application, col(Application.id) == ReportMilestone.application_id)
            .outerjoin(Wave, col(Wave.id) == Application.wave_id)
            .where(
                col(ReportMilestone.programme_id) == ctx.pid,
                col(ReportMilestone.stage).in_(GROUP_STAGES),
                *where,
            )
            .group_by(
                col(ReportMilestone.stage), wave, col(Application.region_code), col(ReportMilestone.day)
            )
        )
        if person:
            query = query.join(Person, col(Person.id) == Application.person_id)
        uow.session.execute(tally.insert().from_select(columns, query))


def group_stage(code: str, stage: str) -> str:
    """The tally stage counting inclusion group ``code`` at ``stage``."""
    return f"group:{code}:{stage}"
