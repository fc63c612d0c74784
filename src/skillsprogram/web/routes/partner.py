"""Platforms' and training providers' pages: their courses, their enrolments, redeeming
codes, reporting completions and uploading attendance and completion files.

A platform or provider signs in with its API key, checked exactly as the API checks an
``X-API-Key``; the session keeps only the client's id, and the client is read again on
every request, so a revoked key ends the session at once. Each page calls the service the
matching ``/v1`` route calls, as that key's holder: an organisation sees only its own
courses and their enrolments (another's course id in a URL is a 404 page), and a platform
the pages the API lets a platform use (its courses and their enrolments; redeeming,
completions and uploads are a provider's).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, Literal, get_args, get_origin

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from skillsprogram.api.deps import key_holder, reading, transaction
from skillsprogram.api.problems import ApiError
from skillsprogram.api.routes.partners import organisation_of
from skillsprogram.api.schemas import CourseChangeIn, CourseIn, RedemptionsIn
from skillsprogram.api.schemas.partners import CompletionItem
from skillsprogram.api.security import Principal, forbidden
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.access import ClientRole
from skillsprogram.domain.exchange import CourseSpec
from skillsprogram.domain.lifecycle import PurchaseStatus
from skillsprogram.domain.types import uuid_or_none
from skillsprogram.errors import DomainError
from skillsprogram.i18n import N_
from skillsprogram.services import partners
from skillsprogram.services.imports import Problem, UnreadableFile
from skillsprogram.services.outcomes import Outcome
from skillsprogram.services.partners import UPLOAD_KINDS, CourseChange
from skillsprogram.services.training import CompletionReport
from skillsprogram.services.uploads import UploadReport
from skillsprogram.storage.uow import UnitOfWork
from skillsprogram.web.forms import (
    TOKENS,
    FieldErrors,
    SentForm,
    Submission,
    field_errors,
    kept,
    limited_sign_in,
    minor_units,
    values_of,
)
from skillsprogram.web.messages import (
    DOMAIN_MESSAGES,
    FIELD_MESSAGES,
    FILE_MESSAGES,
    INVALID,
    LINE_MESSAGES,
    PARTNER_MESSAGES,
)
from skillsprogram.web.rendering import translate
from skillsprogram.web.routes.public import back_to, pages
from skillsprogram.web.sessions import PARTNER_ROLES, partner, sign_in_partner

router = APIRouter(include_in_schema=False, prefix="/partner")

#: Where a platform or provider signs in.
SIGN_IN = "/partner/sign-in"
#: Where files are uploaded (its bodies may be as large as the portal's upload limit).
UPLOADS = "/partner/uploads"
#: Room in an upload's body for the multipart framing and the form's other fields.
MULTIPART_ALLOWANCE = 64 * 1024
#: Enrolments per page.
PAGE_SIZE = 50

#: The labels of the course form's fields (the fields themselves are ``CourseIn``'s).
COURSE_LABELS = {
    "code": N_("Course code"),
    "title": N_("Title"),
    "description": N_("Description"),
    "field_of_study": N_("Field of study"),
    "mode": N_("How it is taught"),
    "price": N_("Price"),
    "duration_days": N_("Duration in days"),
    "provider_code": N_("Training provider's code"),
    "provider_name": N_("Training provider's name"),
    "platform_code": N_("Platform's code"),
    "platform_name": N_("Platform's name"),
}
MODES = {"online": N_("Online"), "offline": N_("In person"), "hybrid": N_("Online and in person")}
STATES = {
    "purchased": N_("Bought, not yet redeemed"),
    "redeemed": N_("Redeemed: training under way"),
    "completed": N_("Completed"),
    "cancelled": N_("Cancelled"),
}


def upload_limits(max_upload_bytes: int) -> dict[str, int]:
    """The request bodies the partner pages accept beyond the app-wide limit: an upload of
    at most ``max_upload_bytes`` with its multipart framing."""
    return {UPLOADS: max_upload_bytes + MULTIPART_ALLOWANCE}


def signed_in_partner(request: Request, *, provider_only: bool = False) -> Principal | RedirectResponse:
    """The signed-in platform or provider, or the way to the sign-in page. A page only a
    provider may use is 403 for a platform, as its API route is."""
    principal = partner(request)
    if principal is None:
        return RedirectResponse(f"{SIGN_IN}?next={request.url.path}", status_code=303)
    if provider_only and principal.role != ClientRole.PROVIDER.value:
        raise forbidden("only a training provider uses this page")
    return principal


def _sending(
    request: Request, form: FormData, *, provider_only: bool = False
) -> tuple[Principal, Submission] | Response:
    """The signed-in organisation and the first sending of its form, or where to go
    instead: the sign-in page, or (a form sent again) where its first sending led."""
    principal = signed_in_partner(request, provider_only=provider_only)
    if isinstance(principal, Response):
        return principal
    submission = Submission(request, form)
    replayed = submission.replayed()
    return replayed if replayed is not None else (principal, submission)


def _render(
    request: Request, principal: Principal, template: str, values: dict[str, Any], status: int = 200
) -> Response:
    shown = {"organisation": organisation_of(principal), "errors": FieldErrors(), "values": {}, **values}
    return pages(request).render(request, template, shown, status_code=status)


# --- signing in --------------------------------------------------------------------------------


def _sign_in_page(request: Request, errors: FieldErrors, status: int = 200, then: object = None) -> Response:
    values = {"next": back_to(then or request.query_params.get("next"), "/partner")}
    return pages(request).render(
        request, "partner/sign_in.html", {"errors": errors, "values": values}, status_code=status
    )


@router.get("/sign-in")
def sign_in_form(request: Request) -> Response:
    """The sign-in form: the organisation's API key, typed into a password field."""
    return _sign_in_page(request, FieldErrors())


@router.post("/sign-in")
def sign_in(request: Request, form: SentForm) -> Response:
    """Sign in with an API key of a platform or provider, checked as the API checks it.

    Failed attempts are counted per client address (``partner_sign_in_limit`` per
    ``partner_sign_in_window_seconds``); past the limit every attempt is refused (429)
    until the window has moved on, whether the key is right or not.
    """

    def check() -> Principal:
        key = form.get("api_key")
        principal = key_holder(request.app.state.api, key.strip() if isinstance(key, str) else None)
        if principal.role not in {role.value for role in PARTNER_ROLES} or principal.client_id is None:
            raise ApiError(401, "invalid-api-key", "not a platform's or a provider's key")
        return principal

    def refused() -> Response:
        message = translate(request, N_("This key is not valid. Please check it and try again."))
        return _sign_in_page(request, FieldErrors({"api_key": message}), 401, form.get("next"))

    attempt = limited_sign_in(request, form, check, refused)
    if isinstance(attempt, Response):
        return attempt
    principal, submission = attempt
    assert principal.client_id is not None  # check() admits only a client's key
    sign_in_partner(request, principal.client_id)
    return submission.done(back_to(form.get("next"), "/partner"))


# --- the dashboard and courses -----------------------------------------------------------------


@router.get("")
def dashboard(request: Request) -> Response:
    """The organisation's figures: courses on sale and withdrawn, enrolments by state."""
    principal = signed_in_partner(request)
    if isinstance(principal, Response):
        return principal
    with reading(request.app.state.api, principal) as (uow, _ctx):
        figures = partners.summary(uow, organisation_of(principal))
    return _render(request, principal, "partner/dashboard.html", {"figures": figures, "states": STATES})


@router.get("/courses")
def courses(request: Request) -> Response:
    """The organisation's courses, on sale and withdrawn."""
    principal = signed_in_partner(request)
    if isinstance(principal, Response):
        return principal
    with reading(request.app.state.api, principal) as (uow, _ctx):
        found = partners.own_courses(uow, organisation_of(principal), limit=1_000)
    return _render(request, principal, "partner/courses.html", {"courses": found, "modes": MODES})


def course_fields(request: Request, principal: Principal) -> list[dict[str, Any]]:
    """The course form's fields, from ``CourseIn``: each with its label, kind (text,
    number, prose or choice with its options) and whether it is required, in the person's
    language; the organisation's own code is filled in and fixed."""
    own = "provider_code" if principal.role == ClientRole.PROVIDER.value else "platform_code"
    fields = []
    for name, info in CourseIn.model_fields.items():
        kind, options = "text", []
        if get_origin(info.annotation) is Literal:
            kind = "choice"
            options = [(v, translate(request, MODES.get(v, v))) for v in get_args(info.annotation)]
        elif name == "description":
            kind = "prose"
        elif name in ("price", "duration_days"):
            kind = "number"
        fields.append(
            {
                "name": name,
                "label": translate(request, COURSE_LABELS.get(name, name)),
                "kind": kind,
                "options": options,
                "required": info.is_required(),
                "fixed": name == own,
            }
        )
    return fields


def _course_form(
    request: Request, principal: Principal, values: dict[str, str], errors: FieldErrors, status: int = 200
) -> Response:
    own = "provider_code" if principal.role == ClientRole.PROVIDER.value else "platform_code"
    shown = {**values, own: principal.owner_code or ""}
    fields = course_fields(request, principal)
    return _render(
        request,
        principal,
        "partner/course_new.html",
        {"fields": fields, "values": shown, "errors": errors},
        status,
    )


@router.get("/courses/new")
def new_course(request: Request) -> Response:
    """The form to publish a course."""
    principal = signed_in_partner(request)
    if isinstance(principal, Response):
        return principal
    return _course_form(request, principal, {}, FieldErrors())


def _price(form: FormData, request: Request) -> int | str | None:
    raw = form.get("price")
    if not isinstance(raw, str) or not raw.strip():
        return None
    return minor_units(raw, request.app.state.api.ctx.config.programme.currency_minor_units())


@router.post("/courses/new")
def publish(request: Request, form: SentForm) -> Response:
    """Publish a course (``POST /v1/courses``'s service): the organisation's own code is
    its own whatever the form says; what is refused is shown beside its field."""
    sending = _sending(request, form)
    if isinstance(sending, Response):
        return sending
    principal, submission = sending
    organisation = organisation_of(principal)
    own = "provider_code" if organisation.is_provider else "platform_code"
    body: dict[str, Any] = {**values_of(form, list(CourseIn.model_fields)), own: organisation.code}
    price = _price(form, request)
    if price is not None:
        body["price"] = str(price)
    try:
        checked = CourseIn.model_validate_strings(body)
        with transaction(request.app.state.api, principal) as (uow, ctx):
            course = partners.publish_course(
                uow, ctx, CourseSpec(**checked.model_dump()), by=organisation.role
            )
    except (ValidationError, DomainError) as error:
        submission.failed()
        return _course_form(request, principal, kept(form, TOKENS), field_errors(request, error), 422)
    except BaseException:
        submission.failed()
        raise
    return submission.done(f"/partner/courses/{course.id}")


def major_units(amount: int, digits: int) -> str:
    """An amount in the minor unit as typed in the major unit (``400050`` with 2 digits is
    ``4000.50``), the way :func:`~skillsprogram.web.forms.minor_units` reads it back."""
    whole, fraction = divmod(amount, 10**digits)
    return f"{whole}.{fraction:0{digits}d}" if digits else str(whole)


def _course_page(
    request: Request,
    principal: Principal,
    course_id: uuid.UUID,
    values: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    status: int = 200,
) -> Response:
    with reading(request.app.state.api, principal) as (uow, _ctx):
        entry = partners.own_course(uow, organisation_of(principal), course_id)
    digits = request.app.state.api.ctx.config.programme.currency_minor_units()
    shown = values or {
        "price": major_units(entry.course.price, digits),
        "description": entry.course.description or "",
    }
    notice = request.query_params.get("done")
    return _render(
        request,
        principal,
        "partner/course.html",
        {
            "entry": entry,
            "modes": MODES,
            "values": shown,
            "errors": errors or FieldErrors(),
            "notice": notice if notice in ("changed", "withdrawn", "published") else None,
        },
        status,
    )


@router.get("/courses/{course_id}")
def course(request: Request, course_id: uuid.UUID) -> Response:
    """One of the organisation's courses, with the form to change its price and
    description and the button to withdraw it (another's course is a 404 page)."""
    principal = signed_in_partner(request)
    if isinstance(principal, Response):
        return principal
    return _course_page(request, principal, course_id)


@router.post("/courses/{course_id}")
def change_course(request: Request, course_id: uuid.UUID, form: SentForm) -> Response:
    """Change the course's price and description (``PATCH /v1/courses/{id}``'s service)."""
    sending = _sending(request, form)
    if isinstance(sending, Response):
        return sending
    principal, submission = sending
    body: dict[str, Any] = {"description": form.get("description") or ""}
    price = _price(form, request)
    if price is not None:
        body["price"] = str(price)
    try:
        checked = CourseChangeIn.model_validate_strings(body)
        with transaction(request.app.state.api, principal) as (uow, ctx):
            wanted = CourseChange(price=checked.price, description=checked.description)
            partners.change_course(uow, ctx, organisation_of(principal), course_id, wanted)
    except (ValidationError, DomainError) as error:
        submission.failed()
        if isinstance(error, DomainError) and error.code == "course-not-found":
            raise
        return _course_page(
            request, principal, course_id, kept(form, TOKENS), field_errors(request, error), 422
        )
    except BaseException:
        submission.failed()
        raise
    return submission.done(f"/partner/courses/{course_id}?done=changed")


@router.post("/courses/{course_id}/withdrawal")
def withdraw_course(request: Request, course_id: uuid.UUID, form: SentForm) -> Response:
    """Withdraw the course from sale (``POST /v1/courses/{id}/withdrawal``'s service)."""
    sending = _sending(request, form)
    if isinstance(sending, Response):
        return sending
    principal, submission = sending
    try:
        with transaction(request.app.state.api, principal) as (uow, ctx):
            partners.withdraw_course(uow, ctx, organisation_of(principal), course_id)
    except BaseException:
        submission.failed()
        raise
    return submission.done(f"/partner/courses/{course_id}?done=withdrawn")


# --- enrolments ---------------------------------------------------------------------------------


@router.get("/enrolments")
def enrolments(request: Request) -> Response:
    """Purchases of the organisation's courses, by course and state, a page at a time."""
    principal = signed_in_partner(request)
    if isinstance(principal, Response):
        return principal
    params = request.query_params
    course_id = uuid_or_none(params.get("course"))
    state = params.get("state") if params.get("state") in {s.value for s in PurchaseStatus} else None
    after = uuid_or_none(params.get("after"))
    organisation = organisation_of(principal)
    with reading(request.app.state.api, principal) as (uow, _ctx):
        found = partners.enrolments(
            uow, organisation, course_id=course_id, status=state, after=after, limit=PAGE_SIZE
        )
        own = partners.own_courses(uow, organisation, limit=1_000)
    following = None
    if len(found) == PAGE_SIZE:
        following = {"course": str(course_id or ""), "state": state or "", "after": str(found[-1].id)}
    return _render(
        request,
        principal,
        "partner/enrolments.html",
        {
            "enrolments": found,
            "courses": own,
            "states": STATES,
            "values": {"course": str(course_id or ""), "state": state or ""},
            "following": following,
        },
    )


# --- redeeming codes and reporting completions ---------------------------------------------------


def outcome_rows(request: Request, items: list[str], outcomes: list[Outcome[Any]]) -> list[dict[str, Any]]:
    """Each item of a batch with what became of it, in words."""
    return [
        {
            "item": item,
            "ok": outcome.ok,
            "reason": None if outcome.error is None else reason(request, outcome.error.code),
        }
        for item, outcome in zip(items, outcomes, strict=True)
    ]


def reason(request: Request, code: str | None) -> str:
    """A refusal's code (a domain rule's, a row model's, a line's) in the person's words."""
    message = (
        PARTNER_MESSAGES.get(code or "")
        or DOMAIN_MESSAGES.get(code or "")
        or FIELD_MESSAGES.get(code or "")
        or LINE_MESSAGES.get(code or "")
    )
    return translate(request, message or INVALID)


#: A batch form's reading: the items sent (as shown back) and the service call on them.
BatchRun = Callable[[UnitOfWork, ProgrammeContext, str], Sequence[Outcome[Any]]]


def _provider_page(request: Request, template: str) -> Response:
    principal = signed_in_partner(request, provider_only=True)
    if isinstance(principal, Response):
        return principal
    return _render(request, principal, template, {"results": None})


def _batch_form(
    request: Request, form: FormData, template: str, read: Callable[[FormData], tuple[list[str], BatchRun]]
) -> Response:
    """Send a provider's batch form to its service and show each item's outcome at once
    (a resend is taken back to the empty form and changes nothing); what the form's model
    refuses is shown beside its field."""
    sending = _sending(request, form, provider_only=True)
    if isinstance(sending, Response):
        return sending
    principal, submission = sending
    try:
        items, run = read(form)
        with transaction(request.app.state.api, principal) as (uow, ctx):
            outcomes = list(run(uow, ctx, principal.owner_code or ""))
    except ValidationError as error:
        submission.failed()
        errors = field_errors(request, error)
        for name, message in list(errors.by_field.items()):  # ``codes.3``: beside ``codes``
            errors.by_field.setdefault(name.split(".")[0], message)
        values = {"results": None, "errors": errors, "values": kept(form)}
        return _render(request, principal, template, values, 422)
    except BaseException:
        submission.failed()
        raise
    submission.remember(request.url.path)
    return _render(request, principal, template, {"results": outcome_rows(request, items, outcomes)})


@router.get("/redemptions")
def redemption_form(request: Request) -> Response:
    """The form to redeem the codes beneficiaries bring."""
    return _provider_page(request, "partner/redemptions.html")


def _codes(form: FormData) -> tuple[list[str], BatchRun]:
    raw = form.get("codes")
    sent = [c for c in (raw if isinstance(raw, str) else "").replace(",", " ").split() if c]
    codes = RedemptionsIn.model_validate({"codes": sent}).codes
    return codes, lambda uow, ctx, provider: partners.redeem_own(uow, ctx, provider, codes)


@router.post("/redemptions")
def redeem(request: Request, form: SentForm) -> Response:
    """Redeem one or several codes (``POST /v1/redemptions``'s service), each with its
    outcome."""
    return _batch_form(request, form, "partner/redemptions.html", _codes)


@router.get("/completions")
def completion_form(request: Request) -> Response:
    """The form to report a course finished."""
    return _provider_page(request, "partner/completions.html")


def _completion(form: FormData) -> tuple[list[str], BatchRun]:
    item = CompletionItem.model_validate_strings(
        values_of(form, ("purchase_id", "certificate_number", "score"))
    )
    report = CompletionReport(item.purchase_id, item.certificate_number, item.score)
    return [str(item.purchase_id)], lambda uow, ctx, provider: partners.complete_own(
        uow, ctx, provider, [report]
    )


@router.post("/completions")
def complete(request: Request, form: SentForm) -> Response:
    """Report a completion with its certificate (``POST /v1/completions``'s service)."""
    return _batch_form(request, form, "partner/completions.html", _completion)


# --- uploads -------------------------------------------------------------------------------------


def _upload_page(
    request: Request,
    principal: Principal,
    report: UploadReport | None = None,
    trouble: str | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    shown: dict[str, Any] = {
        "kinds": UPLOAD_KINDS,
        "report": report,
        "refused": [] if report is None else refused_rows(request, report.problems),
        "accepted": [] if report is None else line_ranges(report.accepted_lines),
        "trouble": trouble,
        "values": values or {},
        "limit": request.app.state.api.settings.portal_max_upload_bytes,
    }
    return _render(request, principal, "partner/uploads.html", shown, status)


def refused_rows(request: Request, problems: list[Problem]) -> list[dict[str, Any]]:
    """Each refused row's line, column and why, in words."""
    return [
        {"line": problem.line, "column": problem.column, "reason": reason(request, problem.code)}
        for problem in problems
    ]


def line_ranges(lines: list[int]) -> list[tuple[int, int]]:
    """Ascending line numbers as runs (``[2, 3, 4, 7]`` is ``[(2, 4), (7, 7)]``)."""
    runs: list[tuple[int, int]] = []
    for line in lines:
        if runs and runs[-1][1] == line - 1:
            runs[-1] = (runs[-1][0], line)
        else:
            runs.append((line, line))
    return runs


def unreadable(request: Request, error: UnreadableFile) -> str:
    """Why a file could not be read, in words."""
    details = error.details
    said = FILE_MESSAGES.get(str(details.get("reason")), FILE_MESSAGES["not-json"])
    listed = {
        name: ", ".join(str(v) for v in value) or "—"
        for name, value in details.items()
        if isinstance(value, list)
    }
    if "repeated" in listed and details.get("repeated"):
        listed["unknown"] = ", ".join(
            v for v in (listed.get("unknown"), listed["repeated"]) if v and v != "—"
        )
    values = {"limit": details.get("limit", ""), "line": details.get("line", ""), **listed}
    return translate(request, said, **{k: v for k, v in values.items() if f"%({k})s" in said})


@router.get("/uploads")
def upload_form(request: Request) -> Response:
    """The form to upload an attendance or a completion file."""
    principal = signed_in_partner(request, provider_only=True)
    if isinstance(principal, Response):
        return principal
    return _upload_page(request, principal)


@router.post("/uploads")
def upload(request: Request, form: SentForm) -> Response:
    """Apply an attendance or completion file row by row (as ``run report-attendance``
    does), and show each row's outcome; a file that cannot be read changes nothing."""
    sending = _sending(request, form, provider_only=True)
    if isinstance(sending, Response):
        return sending
    principal, submission = sending
    kind, sent = form.get("kind"), form.get("file")
    limit: int = request.app.state.api.settings.portal_max_upload_bytes
    state = request.app.state.api
    try:
        if kind not in UPLOAD_KINDS:
            submission.failed()
            return _upload_page(
                request,
                principal,
                trouble=translate(request, N_("Please choose what the file holds.")),
                status=422,
            )
        if not isinstance(sent, UploadFile) or not sent.filename:
            submission.failed()
            return _upload_page(
                request,
                principal,
                trouble=translate(request, N_("Please choose a file.")),
                values={"kind": str(kind)},
                status=422,
            )
        content = sent.file.read(limit + 1)
        report = partners.upload(
            state.context_for(principal), principal.owner_code or "", str(kind), content, limit
        )
    except UnreadableFile as error:
        submission.failed()
        return _upload_page(
            request, principal, trouble=unreadable(request, error), values={"kind": str(kind)}, status=422
        )
    except BaseException:
        submission.failed()
        raise
    submission.remember(UPLOADS)
    return _upload_page(request, principal, report=report, values={"kind": str(kind)})
