"""Eligibility screening: every rule of every enabled plugin judges each verified applicant
(registry rules with only the personal values they declared, see :mod:`.registry_checks`)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, distinct, func, or_, select
from sqlmodel import col

from skillsprogram.clock import as_utc
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.ages import age_day
from skillsprogram.domain.exchange import ApplicantFacts, Finding, RegistrySubject
from skillsprogram.domain.lifecycle import ApplicationStatus
from skillsprogram.domain.models import Application, EligibilityFinding, Household, Person, Voucher, Wave
from skillsprogram.domain.people import age_on
from skillsprogram.services import registry_checks
from skillsprogram.services.batches import Progress, for_each_chunk
from skillsprogram.services.transitions import Move, move_many
from skillsprogram.storage.rows import EligibilityFindingRow
from skillsprogram.storage.uow import UnitOfWork


def household_recipients(uow: UnitOfWork, household_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many people of each household hold a voucher or have been selected, in any programme."""
    query = (
        select(col(Person.household_id), func.count(distinct(col(Application.person_id))))
        .join(Application, col(Application.person_id) == col(Person.id))
        .outerjoin(Voucher, col(Voucher.application_id) == col(Application.id))
        .where(
            or_(
                col(Voucher.id).is_not(None),
                col(Application.status) == ApplicationStatus.SELECTED.value,
            )
        )
        .group_by(col(Person.household_id))
    )
    return {
        household: int(count)
        for household, count in uow.rows_among(query, col(Person.household_id), household_ids)
        if household is not None
    }


def previous_recipients(
    uow: UnitOfWork, ctx: ProgrammeContext, person_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """The persons among ``person_ids`` who received a voucher in another programme."""
    query = (
        select(col(Application.person_id))
        .join(Voucher, col(Voucher.application_id) == col(Application.id))
        .where(col(Application.programme_id) != ctx.pid)
    )
    return set(uow.scalars_among(query, col(Application.person_id), person_ids))


def screen(ctx: ProgrammeContext, chunk: int = 1_000, progress: Progress | None = None) -> int:
    """Screen every identity-verified applicant; returns how many were screened.

    Findings of every rule are stored; an applicant with any failed finding is
    ineligible, the others eligible for the draw.
    """
    query = (
        select(
            col(Application.id),
            col(Application.person_id),
            col(Application.region_code),
            col(Application.occupation),
            col(Application.in_education),
            col(Application.attributes),
            col(Person.birth_date),
            col(Person.sex),
            col(Person.household_id),
            col(Household.number_enc),
            col(Application.registered_at),
            col(Wave.opens_at),
            col(Wave.closes_at),
            col(Person.national_id_enc),
            col(Person.full_name),
        )
        .join(Person, col(Person.id) == col(Application.person_id))
        .outerjoin(Household, col(Household.id) == col(Person.household_id))
        .outerjoin(Wave, col(Wave.id) == col(Application.wave_id))
        .where(
            col(Application.programme_id) == ctx.pid,
            col(Application.status) == ApplicationStatus.IDENTITY_VERIFIED.value,
        )
    )

    counted_on, zone = ctx.config.eligibility.age_on, ctx.config.programme.zone
    registry_rules = registry_checks.declared_rules(ctx)
    needed = registry_checks.needed_fields(registry_rules)

    def subject(row: Row[*tuple[Any, ...]], household_number: str | None) -> RegistrySubject:
        """What registry rules may be handed about this applicant (only fields some rule needs)."""
        return RegistrySubject(
            row[0],
            national_id=ctx.vault.decrypt(row[13]) if "national_id" in needed else None,
            household_number=household_number if "household_number" in needed else None,
            full_name=row[14] if "full_name" in needed else None,
            birth_date=row[6] if "birth_date" in needed else None,
        )

    def counted_day(row: Row[*tuple[Any, ...]]) -> date:
        """The day this applicant's age is taken on (``[eligibility] age_on``)."""
        return age_day(counted_on, zone, as_utc(row[10]), _aware(row[11]), _aware(row[12]))

    def handle(uow: UnitOfWork, rows: Sequence[Row[*tuple[Any, ...]]]) -> int:
        households = household_recipients(uow, [row[8] for row in rows if row[8] is not None])
        previous = previous_recipients(uow, ctx, [row[1] for row in rows])
        facts = [
            ApplicantFacts(
                application_id=row[0],
                person_id=row[1],
                age=age_on(row[6], counted_day(row)),
                sex=row[7],
                region_code=row[2],
                occupation=row[3],
                in_education=row[4],
                attributes=row[5] or {},
                household_recipients=households.get(row[8], 0) if row[8] else 0,
                previous_recipient=row[1] in previous,
                household_number=ctx.vault.decrypt(row[9]) if row[9] else None,
            )
            for row in rows
        ]
        findings: list[Finding] = [
            finding
            for contribution in ctx.hook.skillsprogram_eligibility_rules(
                applicants=facts, programme=ctx.config, clock=ctx.clock
            )
            for finding in contribution
        ]
        if registry_rules:
            subjects = [subject(row, fact.household_number) for row, fact in zip(rows, facts, strict=True)]
            findings += registry_checks.registry_findings(ctx, registry_rules, subjects)
        return apply_findings(uow, ctx, rows, findings)

    return for_each_chunk(
        ctx, query, Application.id, handle, chunk=chunk, progress=progress, lock_of=Application
    )


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def apply_findings(
    uow: UnitOfWork, ctx: ProgrammeContext, rows: Sequence[Row[*tuple[Any, ...]]], findings: Sequence[Finding]
) -> int:
    """Store findings and move each applicant to eligible or ineligible."""
    now = ctx.clock.now()
    persons: dict[uuid.UUID, uuid.UUID] = {row.id: row.person_id for row in rows}
    failed: dict[uuid.UUID, list[Finding]] = defaultdict(list)
    stored: list[EligibilityFindingRow] = []
    for finding in findings:
        if finding.application_id not in persons:
            continue
        stored.append(
            EligibilityFindingRow(
                application_id=finding.application_id,
                rule=finding.rule,
                passed=finding.passed,
                reason=finding.reason,
                screened_at=now,
            )
        )
        if not finding.passed:
            failed[finding.application_id].append(finding)
    if stored:
        uow.insert_rows(EligibilityFinding, stored)
    eligible = [
        Move(app_id, ApplicationStatus.IDENTITY_VERIFIED, person_id)
        for app_id, person_id in persons.items()
        if app_id not in failed
    ]
    ineligible = [
        Move(
            app_id,
            ApplicationStatus.IDENTITY_VERIFIED,
            persons[app_id],
            {"rules": [f.rule for f in failures], "reasons": [f.reason for f in failures]},
        )
        for app_id, failures in failed.items()
    ]
    move_many(uow, ctx, eligible, ApplicationStatus.ELIGIBLE, "screened_eligible")
    move_many(uow, ctx, ineligible, ApplicationStatus.INELIGIBLE, "screened_ineligible")
    return len(persons)
