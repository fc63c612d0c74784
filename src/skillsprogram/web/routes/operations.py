"""The console's operations pages: waves (open, close, quotas, draw and its inputs), the
batch steps, payouts, complaints, the person look-up and revocations.

Every action calls the service the matching ``/v1`` route and CLI command call, as the
signed-in staff member, and needs the scope that route needs: a staff member without it
sees no button, and a ``POST`` sent by hand gets the 403 page. A refused action shows the
reason on the page and changes nothing (its transaction is rolled back).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response

from skillsprogram.api.deps import reading, transaction
from skillsprogram.api.security import Principal
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.types import uuid_or_none
from skillsprogram.errors import DomainError, NotFound
from skillsprogram.i18n import N_
from skillsprogram.services import draw_replay, listings, payouts, progress, revocation, waves
from skillsprogram.storage.uow import UnitOfWork
from skillsprogram.web.forms import SentForm, Submission
from skillsprogram.web.rendering import translate
from skillsprogram.web.staff import render_console, signed_in_staff

router = APIRouter(include_in_schema=False, prefix="/console")

#: What the waves page says after each action (``?done=``).
DONE = {
    "opened": N_("The next wave is open."),
    "closed": N_("The wave is closed."),
    "quotas": N_("The places are shared over the regions."),
    "drawn": N_("The wave is drawn. Publish its seed, shown below, with its inputs."),
}
#: The reasons an action on a wave is refused, by the service's code.
WAVE_MESSAGES = {
    "wave-already-open": N_("A wave is already open: close it first."),
    "wave-not-closed": N_("Only a closed wave that has not been drawn yet can be drawn."),
    "wave-drawn": N_("This wave has been drawn: its quotas are final."),
    "wave-without-quotas": N_("Share the wave's places over the regions before drawing it."),
    "invalid-quota": N_("Give the number of places as a whole number above zero."),
    "not-found": N_("There is no such wave."),
    "invalid-opening": N_("Give the opening time as a date and a time."),
}


def _message(request: Request, error: DomainError) -> str:
    known = WAVE_MESSAGES.get(error.code) or (
        WAVE_MESSAGES["not-found"] if isinstance(error, NotFound) else None
    )
    return translate(request, known) if known else error.message


def _waves_page(
    request: Request, principal: Principal, status: int = 200, error: str | None = None
) -> Response:
    with reading(request.app.state.api, principal) as (uow, ctx):
        found = list(listings.waves_of(uow, ctx, limit=1_000))
        quotas = {w.number: waves.quota_lines(uow, ctx, w) for w in found}
    done = DONE.get(request.query_params.get("done", ""))
    values: dict[str, Any] = {
        "waves": found,
        "quotas": quotas,
        "notice": translate(request, done) if done else None,
        "error": error,
        "allocated": request.query_params.get("allocated"),
        "asked": request.query_params.get("asked"),
    }
    return render_console(request, principal, "console/waves.html", values, status)


@router.get("/waves")
def waves_page(request: Request) -> Response:
    """The waves, newest last, each with its quotas beside what its draw selected."""
    principal = signed_in_staff(request, "applications:read")
    if isinstance(principal, Response):
        return principal
    return _waves_page(request, principal)


def _action(request: Request, form: SentForm, scope: str, act: Callable[[Principal], str]) -> Response:
    """One sending of a console form by a staff member holding ``scope``: ``act`` runs and
    names the page to go to; a :class:`DomainError` shows the waves page with the reason
    (nothing was changed); a form sent again leads where its first sending led."""
    principal = signed_in_staff(request, scope)
    if isinstance(principal, Response):
        return principal
    submission = Submission(request, form)
    if (replayed := submission.replayed()) is not None:
        return replayed
    try:
        location = act(principal)
    except DomainError as error:
        submission.failed()
        status = 404 if isinstance(error, NotFound) else 422 if error.code == "invalid-quota" else 409
        return _waves_page(request, principal, status, _message(request, error))
    except BaseException:
        submission.failed()
        raise
    return submission.done(location)


def _wave_action(
    request: Request, form: SentForm, act: Callable[[UnitOfWork, ProgrammeContext], str]
) -> Response:
    """Run ``act(uow, ctx)`` as a ``waves:write`` staff member in one transaction; go to
    the waves page with what ``act`` returns as its query, or show why it was refused."""

    def run(principal: Principal) -> str:
        with transaction(request.app.state.api, principal) as (uow, ctx):
            return f"/console/waves?{act(uow, ctx)}"

    return _action(request, form, "waves:write", run)


def _when(value: object) -> datetime | None:
    """An opening time typed in the form (``YYYY-MM-DDTHH:MM``, UTC), or ``None``."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise DomainError("not a date and time", code="invalid-opening") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@router.post("/waves")
def open_wave(request: Request, form: SentForm) -> Response:
    """Open the next wave (now, or at the opening time given)."""

    def act(uow: UnitOfWork, ctx: ProgrammeContext) -> str:
        waves.open_wave(uow, ctx, _when(form.get("opens_at")))
        return "done=opened"

    return _wave_action(request, form, act)


@router.post("/waves/{number}/closure")
def close_wave(request: Request, number: int, form: SentForm) -> Response:
    """Close the wave's registration."""

    def act(uow: UnitOfWork, ctx: ProgrammeContext) -> str:
        waves.close_wave(uow, ctx, number)
        return "done=closed"

    return _wave_action(request, form, act)


def _total(value: object) -> int | None:
    if isinstance(value, str) and not value.strip():
        return None
    try:
        total = int(str(value).strip())
    except ValueError:
        raise DomainError("not a whole number", code="invalid-quota") from None
    if total <= 0:
        raise DomainError("a wave needs places", code="invalid-quota")
    return total


@router.post("/waves/{number}/quotas")
def allocate_quotas(request: Request, number: int, form: SentForm) -> Response:
    """Share the places typed over regions as the configuration says (a total beyond the
    drawable applicants is cut to them when places follow demand: the page says so)."""

    def act(uow: UnitOfWork, ctx: ProgrammeContext) -> str:
        total = _total(form.get("total"))
        quotas = waves.allocate_quotas(uow, ctx, number, total)
        return f"done=quotas&allocated={sum(quotas.values())}&asked={total or ''}"

    return _wave_action(request, form, act)


@router.post("/waves/{number}/draw")
def draw(request: Request, number: int, form: SentForm) -> Response:
    """Draw the closed wave with the seed typed (a random one when left empty)."""
    seed = form.get("seed")
    chosen = seed.strip() if isinstance(seed, str) and seed.strip() else None

    def act(uow: UnitOfWork, ctx: ProgrammeContext) -> str:
        waves.draw(uow, ctx, number, chosen)
        return "done=drawn"

    return _wave_action(request, form, act)


@router.get("/waves/{number}/draw-inputs.csv")
def draw_inputs(request: Request, number: int) -> Response:
    """The closed wave's draw inputs as CSV (no personal data), to publish before the
    draw: with them and the seed anyone re-runs it (``skillsprogram draw-replay``)."""
    principal = signed_in_staff(request, "applications:read")
    if isinstance(principal, Response):
        return principal
    try:
        with reading(request.app.state.api, principal) as (uow, ctx):
            inputs = draw_replay.draw_inputs(uow, ctx, number)
    except DomainError as error:
        status = 404 if isinstance(error, NotFound) else 409
        return _waves_page(request, principal, status, _message(request, error))
    headers = {"Content-Disposition": f'attachment; filename="wave-{number}-draw-inputs.csv"'}
    return PlainTextResponse(draw_replay.to_csv(inputs), media_type="text/csv", headers=headers)


# --- batch steps and payouts -------------------------------------------------------------------


def _steps() -> dict[str, Callable[[ProgrammeContext], int]]:
    """The API's batch steps, read when asked (a step added there is offered here)."""
    from skillsprogram.api.routes.officers import STEPS

    return STEPS


def _steps_page(request: Request, principal: Principal, notice: str | None = None) -> Response:
    with reading(request.app.state.api, principal) as (uow, ctx):
        steps = progress.step_progress(uow, ctx, list(_steps()))
        paid = progress.payouts_by_state(uow, ctx)
    values = {"steps": steps, "payouts": paid, "notice": notice}
    return render_console(request, principal, "console/steps.html", values)


@router.get("/steps")
def steps_page(request: Request) -> Response:
    """Each batch step with how many applications wait for it and have passed it, and the
    payouts by state and rail."""
    principal = signed_in_staff(request, "applications:read")
    if isinstance(principal, Response):
        return principal
    done = request.query_params.get("ran")
    count = request.query_params.get("count", "")
    notice = translate(request, N_("%(step)s done: %(count)s."), step=done, count=count) if done else None
    return _steps_page(request, principal, notice)


def _run(
    request: Request, form: SentForm, scope: str, run: Callable[[ProgrammeContext], int], name: str
) -> Response:
    def act(principal: Principal) -> str:
        count = run(request.app.state.api.context_for(principal))
        return f"/console/steps?ran={name}&count={count}"

    return _action(request, form, scope, act)


@router.post("/steps/{step}")
def run_step(request: Request, step: str, form: SentForm) -> Response:
    """Run one batch step to its end, chunked, as ``POST /v1/steps/{step}`` does (national
    waves run them from workers: ``skillsprogram run ...``)."""
    steps = _steps()
    if step not in steps:
        raise NotFound(f"no step {step}")
    return _run(request, form, "waves:write", steps[step], step)


@router.post("/payouts")
def run_payouts(request: Request, form: SentForm) -> Response:
    """Send the payouts that are due, as ``POST /v1/payout-runs`` does."""

    def run(ctx: ProgrammeContext) -> int:
        return sum(payouts.run_payouts(ctx).outcomes.values())

    return _run(request, form, "payouts:write", run, "payouts")


# --- revocation --------------------------------------------------------------------------------


def _revocation_page(
    request: Request, principal: Principal, values: dict[str, Any], status: int = 200
) -> Response:
    shown = {"error": None, "amounts": None, "revoked": None, **values}
    return render_console(request, principal, "console/revocation.html", shown, status)


@router.get("/revocation")
def revocation_form(request: Request) -> Response:
    """The form to revoke an application: its id and the reason (both audited)."""
    principal = signed_in_staff(request, "applications:write")
    if isinstance(principal, Response):
        return principal
    return _revocation_page(request, principal, {})


@router.post("/revocation")
def revoke(request: Request, form: SentForm) -> Response:
    """Revoke the application, as ``POST /v1/applications/{id}/revocation`` does, and show
    the money released, cancelled and claimed back."""
    principal = signed_in_staff(request, "applications:write")
    if isinstance(principal, Response):
        return principal
    application_id = uuid_or_none(str(form.get("application_id", "")).strip())
    reason = str(form.get("reason", "")).strip()
    kept = {"application_id": str(form.get("application_id", "")), "reason": reason}
    if application_id is None or not reason:
        message = translate(request, N_("Give the application's id and the reason for revoking it."))
        return _revocation_page(request, principal, {"values": kept, "error": message}, 422)
    try:
        with transaction(request.app.state.api, principal) as (uow, ctx):
            amounts = revocation.revoke(uow, ctx, application_id, reason)
    except DomainError as error:
        unknown = isinstance(error, NotFound)
        message = translate(request, N_("There is no such application.")) if unknown else error.message
        shown = {"values": kept, "error": message}
        return _revocation_page(request, principal, shown, 404 if unknown else 409)
    return _revocation_page(request, principal, {"amounts": amounts, "revoked": application_id})
