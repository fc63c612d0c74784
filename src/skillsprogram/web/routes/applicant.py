"""The signed-in applicant's own pages: where their application stands, their voucher,
the courses they bought (with the redeem code, and the rating once finished), and the
surveys they are asked to answer.

Each page reads through the same services as the API's ``/v1/applications/{id}/...``
routes, as the applicant's own caller: another applicant's purchase is not found.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from skillsprogram.api.deps import reading, transaction
from skillsprogram.api.problems import status_of
from skillsprogram.api.schemas import RatingIn, SurveyIn
from skillsprogram.api.security import Principal
from skillsprogram.context import ProgrammeContext
from skillsprogram.errors import DomainError
from skillsprogram.services import journey, records, surveys, training, vouchers
from skillsprogram.storage.uow import UnitOfWork
from skillsprogram.web.forms import TOKENS, FieldErrors, SentForm, Submission, field_errors, kept
from skillsprogram.web.routes.public import pages
from skillsprogram.web.sessions import applicant

router = APIRouter(include_in_schema=False)

#: Where a person who is not signed in is sent.
SIGN_IN = "/sign-in"


def signed_in_applicant(request: Request) -> Principal | RedirectResponse:
    """The signed-in applicant, or the way to the sign-in page (coming back here after)."""
    principal = applicant(request)
    if principal is None:
        return RedirectResponse(f"{SIGN_IN}?next={request.url.path}", status_code=303)
    return principal


#: The rating form's template.
RATING = "applicant/rating.html"
#: What a form does once read: the change, in one transaction, answering where to go next.
Act = Callable[[UnitOfWork, ProgrammeContext], str]
#: The form's page shown again with what was wrong, what was typed and the status.
Again = Callable[[FieldErrors, dict[str, str], int], Response]
#: What an applicant's page shows, read as the signed-in applicant.
Read = Callable[[UnitOfWork, ProgrammeContext, Principal], Mapping[str, Any]]
#: What an applicant's form does for their application, answering where to go next.
OwnAct = Callable[[UnitOfWork, ProgrammeContext, uuid.UUID], str]


def handled(request: Request, form: FormData, principal: Principal, act: Act, again: Again) -> Response:
    """Send ``form`` once: ``act`` in one transaction as ``principal``, then go where it
    says; a form sent again goes where the first sending went, and a refusal (a broken
    field rule, a domain rule) shows the form again with it in words, the token free to
    be sent corrected."""
    submission = Submission(request, form)
    if (replayed := submission.replayed()) is not None:
        return replayed
    try:
        with transaction(request.app.state.api, principal) as (uow, ctx):
            location = act(uow, ctx)
    except ValidationError as error:
        submission.failed()
        return again(field_errors(request, error), kept(form, TOKENS), 422)
    except DomainError as error:
        submission.failed()
        return again(field_errors(request, error), kept(form, TOKENS), status_of(error))
    except BaseException:
        submission.failed()
        raise
    return submission.done(location)


def own_page(
    request: Request,
    template: str,
    read: Read,
    errors: FieldErrors | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """A page of the signed-in applicant's (else the way to sign in): ``read`` as them,
    with a form's errors and typed values when it is shown again."""
    principal = signed_in_applicant(request)
    if isinstance(principal, Response):
        return principal
    with reading(request.app.state.api, principal) as (uow, ctx):
        shown = read(uow, ctx, principal)
    values_shown = {**shown, "errors": errors or FieldErrors(), "values": values or {}}
    return pages(request).render(request, template, values_shown, status_code=status)


def own_form(request: Request, form: FormData, template: str, read: Read, act: OwnAct) -> Response:
    """Send a form of the signed-in applicant's (see :func:`handled`); refused, it is shown
    again on its page (``template`` filled by ``read``)."""
    principal = signed_in_applicant(request)
    if isinstance(principal, Response):
        return principal
    application_id = principal.application_id
    assert application_id is not None
    return handled(
        request,
        form,
        principal,
        lambda uow, ctx: act(uow, ctx, application_id),
        lambda errors, values, status: own_page(request, template, read, errors, values, status),
    )


def _application(principal: Principal) -> uuid.UUID:
    assert principal.application_id is not None
    return principal.application_id


@router.get("/me")
def my_application(request: Request) -> Response:
    """The application's way so far, stage by stage, in plain words."""
    return own_page(
        request,
        "applicant/journey.html",
        lambda uow, ctx, me: {"journey": journey.journey(uow, ctx, _application(me))},
    )


@router.get("/me/voucher")
def my_voucher(request: Request) -> Response:
    """The voucher: its balance, its deadlines, and every movement on it."""
    return own_page(
        request,
        "applicant/voucher.html",
        lambda uow, ctx, me: {"statement": vouchers.voucher_statement(uow, ctx, _application(me))},
    )


def _purchase(purchase_id: uuid.UUID) -> Read:
    return lambda uow, ctx, me: {"detail": records.purchase_detail(uow, ctx, _application(me), purchase_id)}


@router.get("/me/purchases/{purchase_id}")
def my_purchase(request: Request, purchase_id: uuid.UUID) -> Response:
    """A course bought: its redeem code, how to use it, where the course stands."""
    return own_page(request, "applicant/purchase.html", _purchase(purchase_id))


@router.get("/me/purchases/{purchase_id}/rating")
def rating_form(request: Request, purchase_id: uuid.UUID) -> Response:
    """The form to rate a finished course."""
    return own_page(request, RATING, _purchase(purchase_id))


def _whole_number(raw: object) -> object:
    """A form's number as an int when it is one (else as sent, for the model to refuse)."""
    return int(raw) if isinstance(raw, str) and raw.strip().isdigit() else raw


@router.post("/me/purchases/{purchase_id}/rating")
def rate(request: Request, purchase_id: uuid.UUID, form: SentForm) -> Response:
    """Rate the course (once); back to the purchase."""

    def act(uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID) -> str:
        comment = form.get("comment")
        body = RatingIn.model_validate(
            {
                "stars": _whole_number(form.get("stars")),
                **({"comment": comment} if isinstance(comment, str) and comment.strip() else {}),
            }
        )
        training.rate_own(uow, ctx, application_id, purchase_id, body.stars, body.comment)
        return f"/me/purchases/{purchase_id}"

    return own_form(request, form, RATING, _purchase(purchase_id), act)


#: The surveys' page.
SURVEYS = "applicant/surveys.html"
#: The form field of a survey's question (the question's key after it).
ANSWER = "answer."


def _surveys(uow: UnitOfWork, ctx: ProgrammeContext, me: Principal) -> Mapping[str, Any]:
    return {"surveys": surveys.surveys_of(uow, ctx, _application(me))}


@router.get("/me/surveys")
def my_surveys(request: Request) -> Response:
    """The programme's surveys: those to answer now, those answered, those still to come."""
    return own_page(request, SURVEYS, _surveys)


@router.post("/me/surveys/{code}")
def answer(request: Request, code: str, form: SentForm) -> Response:
    """Answer one survey (every question, once)."""

    def act(uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID) -> str:
        answers = {
            key.removeprefix(ANSWER): value.strip()
            for key, value in form.items()
            if key.startswith(ANSWER) and isinstance(value, str) and value.strip()
        }
        body = SurveyIn.model_validate({"answers": answers})
        surveys.answer_survey(uow, ctx, application_id, code, body.answers)
        return "/me/surveys?answered=" + code

    return own_form(request, form, SURVEYS, _surveys, act)
