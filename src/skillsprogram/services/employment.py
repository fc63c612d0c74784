"""Employment after training: what graduates were doing when followed up.

A programme that judges itself by jobs found (not only by courses finished)
records each graduate's situation some months after training, from a tracer
(follow-up) survey the graduate answers or from a report by the training
provider. One record per graduate and source; the funnel counts graduates
followed up and graduates in work.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints
from sqlalchemy import select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.lifecycle import ApplicationStatus
from skillsprogram.domain.settlement_models import EmploymentOutcome
from skillsprogram.domain.types import new_id
from skillsprogram.errors import ApplicationNotFound, InvalidTransition, ValidationFailed
from skillsprogram.services.audit import Change, record
from skillsprogram.services.imports import PRINTABLE, Row
from skillsprogram.services.outcomes import Outcome, each, single
from skillsprogram.services.transitions import load_applications
from skillsprogram.storage.rows import EmploymentOutcomeRow
from skillsprogram.storage.uow import UnitOfWork


class EmploymentStatus(StrEnum):
    """A graduate's situation at follow-up."""

    EMPLOYED = "employed"
    SELF_EMPLOYED = "self_employed"
    NOT_EMPLOYED = "not_employed"
    IN_FURTHER_TRAINING = "further_training"


#: The statuses that count as "in work".
IN_WORK = frozenset({EmploymentStatus.EMPLOYED, EmploymentStatus.SELF_EMPLOYED})


class EmploymentSource(StrEnum):
    """Who reported the graduate's situation."""

    FOLLOW_UP_SURVEY = "follow_up_survey"
    PROVIDER_REPORT = "provider_report"


@dataclass(frozen=True, slots=True)
class EmploymentReport:
    """One graduate's situation, as a survey answer or a provider's report gives it."""

    application_id: uuid.UUID
    status: str
    source: str = EmploymentSource.FOLLOW_UP_SURVEY.value
    sector: str | None = None


#: The longest sector a report may name (the column's width).
SECTOR_LENGTH = 64


class EmploymentRow(Row):
    """One line of ``run record-employment``'s file."""

    application_id: uuid.UUID
    status: EmploymentStatus
    source: EmploymentSource
    sector: Annotated[str, StringConstraints(max_length=SECTOR_LENGTH), PRINTABLE] | None = None

    def report(self) -> EmploymentReport:
        """The service's report for this row."""
        return EmploymentReport(self.application_id, self.status.value, self.source.value, self.sector)


def record_employment(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    application_id: uuid.UUID,
    status: str,
    source: str = EmploymentSource.FOLLOW_UP_SURVEY.value,
    sector: str | None = None,
) -> uuid.UUID:
    """Record one graduate's situation (see :func:`record_employment_many`)."""
    return single(
        record_employment_many(uow, ctx, [EmploymentReport(application_id, status, source, sector)])
    )


def record_employment_many(
    uow: UnitOfWork, ctx: ProgrammeContext, reports: Sequence[EmploymentReport]
) -> list[Outcome[uuid.UUID]]:
    """Record graduates' employment; each item is refused on its own when it breaks a rule.

    Only graduates (``training_completed``) are followed up; each source reports
    a graduate once.
    """
    applications = load_applications(uow, ctx, [r.application_id for r in reports])
    reported = select(col(EmploymentOutcome.application_id), col(EmploymentOutcome.source))
    seen: set[tuple[uuid.UUID, str]] = {
        (application_id, source)
        for application_id, source in uow.rows_among(
            reported, col(EmploymentOutcome.application_id), applications
        )
    }
    now = ctx.clock.now()
    rows: list[EmploymentOutcomeRow] = []
    changes: list[Change] = []

    def report_one(report: EmploymentReport) -> uuid.UUID:
        application = applications.get(report.application_id)
        if application is None:
            raise ApplicationNotFound(report.application_id, field="application_id")
        if report.status not in EmploymentStatus.__members__.values():
            raise ValidationFailed(
                f"employment status is one of {[s.value for s in EmploymentStatus]}",
                code="invalid-employment-status",
                field="status",
            )
        if report.source not in EmploymentSource.__members__.values():
            raise ValidationFailed(
                f"source is one of {[s.value for s in EmploymentSource]}",
                code="invalid-employment-source",
                field="source",
            )
        if report.sector is not None and len(report.sector) > SECTOR_LENGTH:
            raise ValidationFailed(
                f"the sector is at most {SECTOR_LENGTH} characters",
                code="invalid-sector",
                field="sector",
            )
        if application.status != ApplicationStatus.TRAINING_COMPLETED.value:
            raise InvalidTransition(
                f"only graduates are followed up; this application is {application.status}",
                code="not-graduated",
            )
        if (application.id, report.source) in seen:
            raise InvalidTransition(
                f"employment was already reported by {report.source}", code="already-reported"
            )
        seen.add((application.id, report.source))
        row_id = new_id()
        rows.append(
            {
                "id": row_id,
                "application_id": application.id,
                "source": report.source,
                "status": report.status,
                "sector": report.sector,
                "reported_at": now,
            }
        )
        changes.append(
            Change(
                "application",
                application.id,
                "employment_reported",
                application.status,
                application.status,
                {
                    "person_id": str(application.person_id),
                    "employment": report.status,
                    "source": report.source,
                    **({"sector": report.sector} if report.sector else {}),
                },
            )
        )
        return row_id

    outcomes = each(reports, report_one)
    uow.insert_rows(EmploymentOutcome, rows)
    record(uow, ctx, changes)
    return outcomes
