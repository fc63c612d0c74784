"""The officers' console: staff sign in with their client's id and secret and reach the
programme's operations, figures and what-ifs.

The id and secret are checked exactly as ``POST /v1/auth/token`` checks them
(:func:`skillsprogram.api.deps.staff_member`); the session keeps only the client's id, and
the client is read again on every request, so a revoked client ends the session at once.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from starlette.responses import Response

from skillsprogram.api.deps import staff_member
from skillsprogram.api.problems import ApiError
from skillsprogram.i18n import N_
from skillsprogram.web.forms import FieldErrors, SentForm, Submission
from skillsprogram.web.rendering import translate
from skillsprogram.web.routes.public import back_to, pages
from skillsprogram.web.sessions import sign_in_staff
from skillsprogram.web.staff import HOME, render_console, signed_in_staff

router = APIRouter(include_in_schema=False, prefix="/console")


def _sign_in_page(request: Request, errors: FieldErrors, status: int = 200, then: object = None) -> Response:
    values = {"next": back_to(then or request.query_params.get("next"), HOME)}
    return pages(request).render(
        request, "console/sign_in.html", {"errors": errors, "values": values}, status_code=status
    )


@router.get("/sign-in")
def sign_in_form(request: Request) -> Response:
    """The sign-in form: the staff client's id and its secret (a password field)."""
    return _sign_in_page(request, FieldErrors())


@router.post("/sign-in")
def sign_in(request: Request, form: SentForm) -> Response:
    """Sign in with a staff client's id and secret, checked as the token endpoint checks
    them. Failed attempts count against the same per-address limit as the partners'
    sign-in (past it every attempt is refused, 429, right or wrong)."""
    submission = Submission(request, form)
    if (replayed := submission.replayed()) is not None:
        return replayed
    limiter = request.app.state.partner_sign_ins
    address = request.client.host if request.client else "unknown"
    try:
        limiter.check(address)
        client_id = form.get("client_id")
        secret = form.get("client_secret")
        try:
            parsed = uuid.UUID(client_id.strip()) if isinstance(client_id, str) else None
        except ValueError:
            parsed = None
        if parsed is None or not isinstance(secret, str) or not secret:
            raise ApiError(401, "invalid-client", "unknown client or wrong secret")
        principal = staff_member(request.app.state.api, parsed, secret)
    except ApiError as error:
        submission.failed()
        if error.status not in (401, 403):
            raise
        limiter.hit(address)
        message = translate(request, N_("These are not a staff member's id and secret. Please check them."))
        return _sign_in_page(request, FieldErrors({"client_secret": message}), 401, form.get("next"))
    except BaseException:
        submission.failed()
        raise
    assert principal.client_id is not None  # a client's principal always names it
    sign_in_staff(request, principal.client_id)
    return submission.done(back_to(form.get("next"), HOME))


@router.get("")
def home(request: Request) -> Response:
    """The console's home: the parts of the console the staff member's role may use."""
    principal = signed_in_staff(request)
    if isinstance(principal, Response):
        return principal
    return render_console(request, principal, "console/home.html", {})
