"""Surveys: beneficiaries answer the programme's configured surveys; answers may earn
survey incentives."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import col

from skillsprogram.config import BenefitTrigger, SurveyDefinition
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.lifecycle import ApplicationStatus
from skillsprogram.domain.models import SurveyResponse
from skillsprogram.domain.types import new_id
from skillsprogram.errors import (
    ApplicationNotFound,
    DomainError,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from skillsprogram.services.audit import Change, record
from skillsprogram.services.benefits import Earning, earn_many
from skillsprogram.services.outcomes import Outcome, single
from skillsprogram.services.transitions import load_applications
from skillsprogram.storage.rows import SurveyResponseRow
from skillsprogram.storage.uow import UnitOfWork

#: Statuses from which each kind of survey may be answered.
OPEN_AFTER = {
    "first_course_rated": {ApplicationStatus.TRAINING_COMPLETED},
    "training_completed": {ApplicationStatus.TRAINING_COMPLETED},
    "last_payout": {ApplicationStatus.TRAINING_COMPLETED},
}


@dataclass(frozen=True, slots=True)
class SurveyAnswers:
    """A beneficiary's answers to one survey, keyed by question."""

    application_id: uuid.UUID
    survey: str
    answers: Mapping[str, str]


def survey(ctx: ProgrammeContext, code: str) -> SurveyDefinition:
    """The configured survey ``code``."""
    for definition in ctx.config.surveys:
        if definition.code == code:
            return definition
    raise NotFound(f"no survey {code!r} in this programme", code="survey-not-found")


@dataclass(frozen=True, slots=True)
class SurveyDue:
    """One of the programme's surveys as an applicant meets it."""

    definition: SurveyDefinition
    open: bool
    """Whether the application has reached the step after which it may be answered."""
    submitted_at: datetime | None
    """When the applicant answered it, if they did."""


def surveys_of(uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID) -> list[SurveyDue]:
    """The programme's surveys for ``application_id``: which may be answered now, and
    which were answered already."""
    application = load_applications(uow, ctx, [application_id]).get(application_id)
    if application is None:
        raise ApplicationNotFound(application_id)
    answered = dict(
        uow.session.execute(
            select(col(SurveyResponse.survey), col(SurveyResponse.submitted_at)).where(
                col(SurveyResponse.application_id) == application_id
            )
        ).all()
    )
    return [
        SurveyDue(
            definition,
            application.status in OPEN_AFTER[definition.after],
            answered.get(definition.code),
        )
        for definition in ctx.config.surveys
    ]


def answer_survey(
    uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID, code: str, answers: Mapping[str, str]
) -> SurveyResponse:
    """Store one beneficiary's answers (see :func:`answer_surveys`)."""
    response_id = single(answer_surveys(uow, ctx, [SurveyAnswers(application_id, code, answers)]))
    response = uow.session.get(SurveyResponse, response_id)
    assert response is not None
    return response


def answer_surveys(
    uow: UnitOfWork, ctx: ProgrammeContext, submissions: Sequence[SurveyAnswers]
) -> list[Outcome[uuid.UUID]]:
    """Store answers (every question answered, once per survey and beneficiary); each may
    earn a survey incentive under the benefit schedule."""
    applications = load_applications(uow, ctx, [s.application_id for s in submissions])
    answered: set[tuple[uuid.UUID, str]] = {
        (application_id, code)
        for application_id, code in uow.rows_among(
            select(col(SurveyResponse.application_id), col(SurveyResponse.survey)),
            col(SurveyResponse.application_id),
            applications,
        )
    }
    now = ctx.clock.now()
    rows: list[SurveyResponseRow] = []
    changes: list[Change] = []
    earnings: list[Earning] = []
    outcomes: list[Outcome[uuid.UUID]] = []
    for submission in submissions:
        try:
            definition = survey(ctx, submission.survey)
            application = applications.get(submission.application_id)
            if application is None:
                raise ApplicationNotFound(submission.application_id)
            _check(definition, application.status, submission.answers)
            if (application.id, definition.code) in answered:
                raise InvalidTransition(
                    f"survey {definition.code!r} was already answered", code="survey-already-answered"
                )
        except DomainError as error:
            outcomes.append(Outcome(error=error))
            continue
        answered.add((application.id, definition.code))
        response_id = new_id()
        rows.append(
            SurveyResponseRow(
                id=response_id,
                application_id=application.id,
                survey=definition.code,
                answers=dict(submission.answers),
                submitted_at=now,
            )
        )
        changes.append(
            Change(
                "application",
                application.id,
                "survey_answered",
                data={"person_id": str(application.person_id), "survey": definition.code},
            )
        )
        earnings.append(
            Earning(
                application.id,
                application.person_id,
                BenefitTrigger.SURVEY_ANSWERED.value,
                period=definition.code,
            )
        )
        outcomes.append(Outcome(response_id))
    if rows:
        uow.insert_rows(SurveyResponse, rows)
    record(uow, ctx, changes)
    earn_many(uow, ctx, earnings)
    return outcomes


def _check(definition: SurveyDefinition, status: str, answers: Mapping[str, str]) -> None:
    if status not in OPEN_AFTER[definition.after]:
        raise InvalidTransition(
            f"survey {definition.code!r} opens after {definition.after}; this application is {status}",
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
