"""The complaints desk as a service, without HTTP."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.grievances import Grievance, GrievanceStatus
from skillsprogram.domain.models import AuditEvent
from skillsprogram.errors import InvalidTransition, NotFound, ValidationFailed
from skillsprogram.services import grievances
from skillsprogram.services.grievances import MAX_OPEN_PER_APPLICATION, GrievanceFiling
from tests.services.helpers import register


def _file(ctx: ProgrammeContext, application_id: uuid.UUID, category: str = "payment") -> Grievance:
    with ctx.transaction() as uow:
        return grievances.file_grievance(
            uow,
            ctx,
            GrievanceFiling(application_id, category, "not paid", "the incentive did not arrive"),
        )


def test_a_grievance_moves_open_in_review_resolved_and_each_step_is_audited(ctx: ProgrammeContext) -> None:
    (app_id,) = register(ctx, 1)
    filed = _file(ctx, app_id)
    with ctx.transaction() as uow:
        grievances.take_up(uow, ctx, filed.id)
        done = grievances.answer(uow, ctx, filed.id, upheld=False, resolution="paid on 3 March")
    assert done.status == GrievanceStatus.REJECTED and done.handled_by == "test"
    with ctx.uow() as uow:
        actions = (
            uow.session.execute(
                select(AuditEvent.action).where(AuditEvent.entity == "grievance").order_by(AuditEvent.id)
            )
            .scalars()
            .all()
        )
    assert actions == ["grievance_filed", "grievance_in_review", "grievance_rejected"]


def test_an_answered_grievance_cannot_be_reopened_or_answered_again(ctx: ProgrammeContext) -> None:
    (app_id,) = register(ctx, 1)
    filed = _file(ctx, app_id)
    with ctx.transaction() as uow:
        grievances.answer(uow, ctx, filed.id, upheld=True, resolution="fixed")
    with ctx.transaction() as uow, pytest.raises(InvalidTransition):
        grievances.answer(uow, ctx, filed.id, upheld=True, resolution="again")


def test_a_grievance_needs_a_known_category_and_a_real_application(ctx: ProgrammeContext) -> None:
    (app_id,) = register(ctx, 1)
    with pytest.raises(ValidationFailed):
        _file(ctx, app_id, category="weather")
    with pytest.raises(NotFound):
        _file(ctx, uuid.uuid4())


def test_an_applicant_cannot_flood_the_desk(ctx: ProgrammeContext) -> None:
    (app_id,) = register(ctx, 1)
    for _ in range(MAX_OPEN_PER_APPLICATION):
        _file(ctx, app_id)
    with pytest.raises(InvalidTransition) as refused:
        _file(ctx, app_id)
    assert refused.value.code == "too-many-open-grievances"
