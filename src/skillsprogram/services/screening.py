"""Eligibility screening: every rule of every enabled plugin judges each verified applicant."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, distinct, func, or_, select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import ApplicantFacts, Finding
from skillsprogram.domain.lifecycle import ApplicationStatus
from skillsprogram.domain.models import Application, EligibilityFinding, Household, Person, Voucher
from skillsprogram.domain.people import age_on
from skillsprogram.services.batches import Progress, for_each_chunk
from skillsprogram.services.row_types import EligibilityFindingRow
from skillsprogram.services.transitions import Move, move_many
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
        )
        .join(Person, col(Person.id) == col(Application.person_id))
        .outerjoin(Household, col(Household.id) == col(Person.household_id))
        .where(
            col(Application.programme_id) == ctx.pid,
            col(Application.status) == ApplicationStatus.IDENTITY_VERIFIED.value,
        )
    )

    def handle(uow: UnitOfWork, rows: Sequence[Row[Any]]) -> int:
        today = ctx.clock.now().date()
        households = household_recipients(uow, [row.household_id for row in rows if row.household_id])
        previous = previous_recipients(uow, ctx, [row.person_id for row in rows])
        facts = [
            ApplicantFacts(
                application_id=row.id,
                person_id=row.person_id,
                age=age_on(row.birth_date, today),
                sex=row.sex,
                region_code=row.region_code,
                occupation=row.occupation,
                in_education=row.in_education,
                attributes=row.attributes or {},
                household_recipients=households.get(row.household_id, 0) if row.household_id else 0,
                previous_recipient=row.person_id in previous,
                household_number=ctx.vault.decrypt(row.number_enc) if row.number_enc else None,
            )
            for row in rows
        ]
        findings: list[Finding] = [
            finding
            for contribution in ctx.hook.skillsprogram_eligibility_rules(
                applicants=facts, programme=ctx.config
            )
            for finding in contribution
        ]
        return apply_findings(uow, ctx, rows, findings)

    return for_each_chunk(
        ctx, query, Application.id, handle, chunk=chunk, progress=progress, lock_of=Application
    )


def apply_findings(
    uow: UnitOfWork, ctx: ProgrammeContext, rows: Sequence[Row[Any]], findings: Sequence[Finding]
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
