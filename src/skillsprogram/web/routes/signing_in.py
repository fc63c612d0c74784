"""Signing in again: ask for a one-time code, then type it.

The first page asks for the national id and birth date, or the contact the programme
sends codes to; whatever was typed, the person is told the same (a code was sent if the
details match) and taken to the page where the code is typed. The challenge the code was
asked under waits in the session (no personal value does). A right code signs the
person in and leads to ``next`` (a path on this site only) or their application.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from skillsprogram.api.deps import transaction
from skillsprogram.api.schemas import SignInCodeIn
from skillsprogram.errors import DomainError
from skillsprogram.services import sign_in as codes
from skillsprogram.web.forms import FieldErrors, SentForm, Submission, field_errors, kept, values_of
from skillsprogram.web.messages import FIELD_MESSAGES
from skillsprogram.web.rendering import translate
from skillsprogram.web.routes.public import back_to, pages
from skillsprogram.web.sessions import await_code, awaited_code, sign_in

router = APIRouter(include_in_schema=False)

#: Where a signed-in person goes when no ``next`` says otherwise.
HOME = "/me"
#: The fields of the form asking for a code.
FIELDS = ("national_id", "birth_date", "contact")


def _next(request: Request, sent: object = None) -> str:
    return back_to(sent if sent is not None else request.query_params.get("next"), HOME)


def _ask_page(request: Request, values: dict[str, str], errors: FieldErrors, status: int = 200) -> Response:
    contact = request.app.state.api.ctx.config.sign_in.contact
    shown = {
        "values": values,
        "errors": errors,
        "next": _next(request, values.get("next")),
        "contact": contact,
    }
    return pages(request).render(request, "sign_in.html", shown, status_code=status)


def _code_page(request: Request, errors: FieldErrors, next_path: str, status: int = 200) -> Response:
    minutes = request.app.state.api.ctx.config.sign_in.code_minutes
    shown = {"errors": errors, "next": next_path, "minutes": minutes}
    return pages(request).render(request, "sign_in_code.html", shown, status_code=status)


@router.get("/sign-in")
def sign_in_form(request: Request) -> Response:
    """The form asking for a sign-in code."""
    return _ask_page(request, {}, FieldErrors())


@router.post("/sign-in")
def ask_for_code(request: Request, form: SentForm) -> Response:
    """Ask for a code (the same answer whether or not the details match), then type it."""
    submission = Submission(request, form)
    if (replayed := submission.replayed()) is not None:
        return replayed
    state = request.app.state.api
    next_path = _next(request, form.get("next"))
    try:
        state.sign_in_limit.hit(request.client.host if request.client else "unknown")
        filled = values_of(form, FIELDS)
        asked = SignInCodeIn.model_validate(
            {"contact": filled["contact"]} if "contact" in filled else {**filled, "contact": None}
        )
        with transaction(state, None) as (uow, ctx):
            issue = codes.request_code(
                uow,
                ctx,
                codes.CodeRequest(asked.national_id, asked.birth_date, asked.contact),
                state.sign_in_code_limit,
            )
    except (ValidationError, DomainError) as error:
        submission.failed()
        errors = field_errors(request, error)
        if "" in errors.by_field or not errors:
            errors.by_field.pop("", None)
            for name in ("national_id", "birth_date"):
                if name not in values_of(form, FIELDS):
                    errors.by_field[name] = translate(request, FIELD_MESSAGES["missing"])
        return _ask_page(request, kept(form), errors, 422)
    except BaseException:
        submission.failed()
        raise
    codes.send(state.ctx, issue)
    await_code(request, issue.challenge)
    return submission.done(f"/sign-in/code?next={quote(next_path, safe='/')}")


@router.get("/sign-in/code")
def code_form(request: Request) -> Response:
    """The form the code received is typed in (back to asking for one when none was)."""
    if awaited_code(request) is None:
        return RedirectResponse("/sign-in", status_code=303)
    return _code_page(request, FieldErrors(), _next(request))


@router.post("/sign-in/code")
def enter_code(request: Request, form: SentForm) -> Response:
    """Check the code: a right one signs the person in and leads on; a wrong one is said
    beside the field."""
    submission = Submission(request, form)
    if (replayed := submission.replayed()) is not None:
        return replayed
    state = request.app.state.api
    next_path = _next(request, form.get("next"))
    challenge = awaited_code(request)
    typed = form.get("code")
    try:
        if challenge is None:
            submission.failed()
            return RedirectResponse("/sign-in", status_code=303)
        state.sign_in_limit.hit(request.client.host if request.client else "unknown")
        with transaction(state, None) as (uow, ctx):
            application_id = codes.verify(uow, ctx, challenge, typed if isinstance(typed, str) else "")
    except BaseException:
        submission.failed()
        raise
    if application_id is None:
        submission.failed()
        return _code_page(request, field_errors(request, codes.refusal()), next_path, 422)
    sign_in(request, application_id)
    return submission.done(next_path)
