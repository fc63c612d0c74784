"""Grievances: an applicant files a complaint, an officer takes it up and answers it.

Every step is an audit event in the same transaction, so the complaint's history
is the audit log's and the lifecycle hooks can notify the applicant of the answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.grievances import Grievance, GrievanceCategory, GrievanceStatus
from skillsprogram.domain.types import new_id
from skillsprogram.errors import ApplicationNotFound, InvalidTransition, NotFound, ValidationFailed
from skillsprogram.services.audit import Change, record
from skillsprogram.services.transitions import load_applications
from skillsprogram.storage.uow import UnitOfWork

#: Where a complaint may go from each status.
GRIEVANCE_TRANSITIONS: dict[GrievanceStatus, frozenset[GrievanceStatus]] = {
    GrievanceStatus.OPEN: frozenset(
        {GrievanceStatus.IN_REVIEW, GrievanceStatus.RESOLVED, GrievanceStatus.REJECTED}
    ),
    GrievanceStatus.IN_REVIEW: frozenset({GrievanceStatus.RESOLVED, GrievanceStatus.REJECTED}),
    GrievanceStatus.RESOLVED: frozenset(),
    GrievanceStatus.REJECTED: frozenset(),
}

#: How many complaints one applicant may have open at once (a guard against flooding the desk).
MAX_OPEN_PER_APPLICATION = 5


@dataclass(frozen=True, slots=True)
class GrievanceFiling:
    """What an applicant says when filing a complaint."""

    application_id: uuid.UUID
    category: str
    subject: str
    description: str


def file_grievance(uow: UnitOfWork, ctx: ProgrammeContext, filing: GrievanceFiling) -> Grievance:
    """Record a complaint about the applicant's own application; it starts ``open``."""
    application = load_applications(uow, ctx, [filing.application_id]).get(filing.application_id)
    if application is None:
        raise ApplicationNotFound(filing.application_id)
    if filing.category not in set(GrievanceCategory):
        raise ValidationFailed(
            f"unknown category {filing.category!r}", code="invalid-grievance-category", field="category"
        )
    subject, description = filing.subject.strip(), filing.description.strip()
    if not subject:
        raise ValidationFailed("the subject is empty", code="invalid-grievance", field="subject")
    if not description:
        raise ValidationFailed("the description is empty", code="invalid-grievance", field="description")
    still_open = uow.session.execute(
        select(col(Grievance.id)).where(
            col(Grievance.application_id) == application.id,
            col(Grievance.status).in_([GrievanceStatus.OPEN.value, GrievanceStatus.IN_REVIEW.value]),
        )
    ).all()
    if len(still_open) >= MAX_OPEN_PER_APPLICATION:
        raise InvalidTransition(
            f"{MAX_OPEN_PER_APPLICATION} complaints are already open; wait for an answer",
            code="too-many-open-grievances",
        )
    now = ctx.clock.now()
    grievance = Grievance(
        id=new_id(),
        programme_id=ctx.pid,
        application_id=application.id,
        category=filing.category,
        subject=subject,
        description=description,
        status=GrievanceStatus.OPEN.value,
        filed_at=now,
        updated_at=now,
    )
    uow.session.add(grievance)
    uow.session.flush()
    record(
        uow,
        ctx,
        [
            Change(
                "grievance",
                grievance.id,
                "grievance_filed",
                None,
                grievance.status,
                {
                    "application_id": str(application.id),
                    "person_id": str(application.person_id),
                    "category": filing.category,
                },
            )
        ],
    )
    return grievance


def get_grievance(
    uow: UnitOfWork, ctx: ProgrammeContext, grievance_id: uuid.UUID, lock: bool = False
) -> Grievance:
    """One complaint of this programme (locked until the end of the transaction when ``lock``)."""
    grievance = uow.session.get(Grievance, grievance_id, with_for_update=lock)
    if grievance is None or grievance.programme_id != ctx.pid:
        raise NotFound(f"no grievance {grievance_id}", code="grievance-not-found")
    return grievance


def grievance_of(
    uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID, grievance_id: uuid.UUID
) -> Grievance:
    """The complaint ``grievance_id`` if ``application_id`` filed it (else not found)."""
    grievance = get_grievance(uow, ctx, grievance_id)
    if grievance.application_id != application_id:
        raise NotFound(f"no grievance {grievance_id}", code="grievance-not-found")
    return grievance


def grievances(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    *,
    application_id: uuid.UUID | None = None,
    status: str | None = None,
    after: uuid.UUID | None = None,
    limit: int = 50,
) -> Sequence[Grievance]:
    """Complaints in id order (keyset pages after ``after``), optionally of one application
    or in one status."""
    query = select(Grievance).where(col(Grievance.programme_id) == ctx.pid)
    if application_id is not None:
        query = query.where(col(Grievance.application_id) == application_id)
    if status is not None:
        query = query.where(col(Grievance.status) == status)
    if after is not None:
        query = query.where(col(Grievance.id) > after)
    return uow.session.execute(query.order_by(col(Grievance.id)).limit(limit)).scalars().all()


def take_up(uow: UnitOfWork, ctx: ProgrammeContext, grievance_id: uuid.UUID) -> Grievance:
    """An officer starts working on an open complaint (it becomes ``in_review``, theirs)."""
    return _move(uow, ctx, grievance_id, GrievanceStatus.IN_REVIEW, None)


def answer(
    uow: UnitOfWork, ctx: ProgrammeContext, grievance_id: uuid.UUID, upheld: bool, resolution: str
) -> Grievance:
    """Close a complaint with the answer the applicant will read: ``resolved`` when the
    complaint is upheld and its cause fixed, ``rejected`` when it is not."""
    if not resolution.strip():
        raise ValidationFailed(
            "an answer needs a resolution text", code="invalid-grievance", field="resolution"
        )
    target = GrievanceStatus.RESOLVED if upheld else GrievanceStatus.REJECTED
    return _move(uow, ctx, grievance_id, target, resolution.strip())


def _move(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    grievance_id: uuid.UUID,
    target: GrievanceStatus,
    resolution: str | None,
) -> Grievance:
    # Locked: two officers taking up the same complaint at once must not both move it.
    grievance = get_grievance(uow, ctx, grievance_id, lock=True)
    current = GrievanceStatus(grievance.status)
    if target not in GRIEVANCE_TRANSITIONS[current]:
        raise InvalidTransition(
            f"a grievance that is {current} cannot become {target}",
            code="invalid-grievance-transition",
            current=current.value,
        )
    grievance.status = target.value
    grievance.handled_by = ctx.actor
    grievance.updated_at = ctx.clock.now()
    if resolution is not None:
        grievance.resolution = resolution
    uow.session.flush()
    record(
        uow,
        ctx,
        [
            Change(
                "grievance",
                grievance.id,
                f"grievance_{target.value}",
                current.value,
                target.value,
                {"application_id": str(grievance.application_id)},
            )
        ],
    )
    return grievance
