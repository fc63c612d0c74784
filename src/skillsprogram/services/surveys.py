"""Surveys: beneficiaries answer the programme's configured surveys; answers may earn
survey incentives."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import select

from skillsprogram.config import BenefitTrigger, SurveyDefinition
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.lifecycle import ApplicationStatus
from skillsprogram.domain.models import SurveyResponse
from skillsprogram.errors import InvalidTransition, NotFound, ValidationFailed
from skillsprogram.services.audit import Change, record
from skillsprogram.services.benefits import earn
from skillsprogram.services.transitions import load_for_move
from skillsprogram.storage.uow import UnitOfWork

#: Statuses from which each kind of survey may be answered.
OPEN_AFTER = {
    "first_course_rated": {ApplicationStatus.TRAINING_COMPLETED},
    "training_completed": {ApplicationStatus.TRAINING_COMPLETED},
    "last_payout": {ApplicationStatus.TRAINING_COMPLETED},
}


def survey(ctx: ProgrammeContext, code: str) -> SurveyDefinition:
    """The configured survey ``code``."""
    for definition in ctx.config.surveys:
        if definition.code == code:
            return definition
    raise NotFound(f"no survey {code!r} in this programme", code="survey-not-found")


def answer_survey(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    application_id: uuid.UUID,
    code: str,
    answers: Mapping[str, str],
) -> SurveyResponse:
    """Store a beneficiary's answers (every question answered, once per survey)."""
    definition = survey(ctx, code)
    application = load_for_move(uow, ctx, application_id)
    if application.status not in OPEN_AFTER[definition.after]:
        raise InvalidTransition(
            f"survey {code!r} opens after {definition.after}; this application is {application.status}",
            code="survey-not-open",
        )
    missing = [q for q in definition.questions if not str(answers.get(q, "")).strip()]
    if missing:
        raise ValidationFailed(f"unanswered questions: {missing}", code="survey-incomplete")
    unknown = sorted(set(answers) - set(definition.questions))
    if unknown:
        raise ValidationFailed(
            f"answers to questions the survey does not ask: {unknown}", code="survey-unknown-question"
        )
    if uow.session.execute(
        select(SurveyResponse.id).where(
            SurveyResponse.application_id == application_id,  # type: ignore[arg-type]
            SurveyResponse.survey == code,
        )  # type: ignore[arg-type]
    ).first():
        raise InvalidTransition(f"survey {code!r} was already answered", code="survey-already-answered")
    response = SurveyResponse(
        application_id=application_id, survey=code, answers=dict(answers), submitted_at=ctx.clock.now()
    )
    uow.session.add(response)
    record(
        uow,
        ctx,
        [
            Change(
                "application",
                application_id,
                "survey_answered",
                data={"person_id": str(application.person_id), "survey": code},
            )
        ],
    )
    earn(uow, ctx, application_id, application.person_id, BenefitTrigger.SURVEY_ANSWERED, period=code)
    uow.session.flush()
    return response
