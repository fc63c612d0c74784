"""Officers (bearer tokens with staff scopes): waves and their batch steps, payouts,
revocation, complaints, look-ups, figures."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from skillsprogram.api import views
from skillsprogram.api.deps import State, bearer, reading, transaction
from skillsprogram.api.pagination import Limit, Page, SmallIntCursor, UuidCursor, next_cursor, position
from skillsprogram.api.routes import BEARER, MUTATING, problems
from skillsprogram.api.schemas import (
    ApplicationSummary,
    DrawIn,
    DrawOut,
    FunnelOut,
    FunnelStage,
    GrievanceAnswerIn,
    GrievanceOut,
    Line,
    LookupIn,
    PayoutRunOut,
    PersonMatchOut,
    QuotaAllocationIn,
    QuotasOut,
    RevocationIn,
    RevocationOut,
    StepOut,
    WaveOpenIn,
    WaveOut,
)
from skillsprogram.api.security import Principal
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.grievances import GrievanceStatus
from skillsprogram.domain.lifecycle import ApplicationStatus, WaveStatus
from skillsprogram.domain.models import Wave
from skillsprogram.services import (
    benefits,
    events,
    figures,
    grievances,
    identity,
    listings,
    payouts,
    people,
    reports,
    revocation,
    screening,
    vouchers,
    waves,
)

router = APIRouter(tags=["officers"], responses=BEARER)
WaveOfficer = Annotated[Principal, bearer("waves:write")]
WaveNumber = Annotated[int, Path(ge=1, le=100_000)]


def _wave(w: Wave) -> WaveOut:
    return WaveOut.model_validate(w)


@router.get("/waves", response_model=Page[WaveOut], summary="Waves")
def list_waves(
    state: State,
    principal: Annotated[Principal, bearer("applications:read")],
    cursor: SmallIntCursor = None,
    limit: Limit = 50,
    status_: Annotated[WaveStatus | None, Query(alias="status")] = None,
) -> Page[WaveOut]:
    """The programme's waves in order, filtered by status."""
    with reading(state, principal) as (uow, ctx):
        found = listings.waves_of(
            uow, ctx, status=status_.value if status_ else None, after=position(cursor), limit=limit
        )
    return Page[WaveOut](items=[_wave(w) for w in found], next_cursor=next_cursor(found, limit, key="number"))


@router.post(
    "/waves",
    response_model=WaveOut,
    status_code=status.HTTP_201_CREATED,
    responses=MUTATING,
    summary="Open the next wave",
)
def open_wave(body: WaveOpenIn, state: State, principal: WaveOfficer) -> WaveOut:
    """Open the next wave's registration window (now, or at ``opens_at``)."""
    with transaction(state, principal) as (uow, ctx):
        return _wave(waves.open_wave(uow, ctx, body.opens_at))


@router.post(
    "/waves/{number}/closure",
    response_model=WaveOut,
    responses={**MUTATING, **problems(404)},
    summary="Close a wave's registration",
)
def close_wave(number: WaveNumber, state: State, principal: WaveOfficer) -> WaveOut:
    """End the wave's registration window."""
    with transaction(state, principal) as (uow, ctx):
        return _wave(waves.close_wave(uow, ctx, number))


@router.post(
    "/waves/{number}/quotas",
    response_model=QuotasOut,
    responses={**MUTATING, **problems(404)},
    summary="Share places over regions",
)
def allocate_quotas(
    number: WaveNumber, body: QuotaAllocationIn, state: State, principal: WaveOfficer
) -> QuotasOut:
    """Share ``total`` places over regions as the programme's ``[waves] quota_allocation`` says
    (by drawable applicants, by population, or the fixed table, whose sum ``total`` must be)."""
    with transaction(state, principal) as (uow, ctx):
        return QuotasOut(quotas=waves.allocate_quotas(uow, ctx, number, body.total))


@router.post(
    "/waves/{number}/draw",
    response_model=DrawOut,
    responses={**MUTATING, **problems(404)},
    summary="Draw a closed wave",
)
def draw(number: WaveNumber, body: DrawIn, state: State, principal: WaveOfficer) -> DrawOut:
    """Rank and select within quotas from the published seed (all or nothing)."""
    with transaction(state, principal) as (uow, ctx):
        result = waves.draw(uow, ctx, number, body.seed)
        seed = waves.get_wave(uow, ctx, number).seed or ""
    return DrawOut(selected=result["selected"], waitlisted=result["waitlisted"], seed=seed)


STEPS: dict[str, Callable[[ProgrammeContext], int]] = {
    "verify-identities": identity.verify_identities,
    "screening": screening.screen,
    "voucher-issue": vouchers.issue_vouchers,
    "voucher-forfeiture": vouchers.forfeit_unused,
    "payout-scheduling": benefits.schedule_payouts,
    "event-dispatch": events.dispatch_events,
    "report-refresh": figures.refresh,
}


@router.post(
    "/steps/{step}",
    response_model=StepOut,
    responses={**MUTATING, **problems(404)},
    summary="Run one of the wave's batch steps",
)
def run_step(
    step: Annotated[str, Path(pattern="^(" + "|".join(STEPS) + ")$")], state: State, principal: WaveOfficer
) -> StepOut:
    """Run a chunked, resumable step to the end (large waves run it from workers instead:
    ``skillsprogram run ...``)."""
    count = STEPS[step](state.context_for(principal))
    return StepOut(step=step, count=count)


@router.post("/payout-runs", response_model=PayoutRunOut, responses=MUTATING, summary="Send due payouts")
def run_payouts(
    state: State,
    principal: Annotated[Principal, bearer("payouts:write")],
    limit: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> PayoutRunOut:
    """Send payouts that are due, each at most once per idempotency key."""
    run = payouts.run_payouts(state.context_for(principal), limit=limit)
    return PayoutRunOut(outcomes=dict(run.outcomes), paid_amount=run.paid_amount)


@router.get(
    "/applications", response_model=Page[ApplicationSummary], summary="Applications (no personal data)"
)
def list_applications(
    state: State,
    principal: Annotated[Principal, bearer("applications:read")],
    cursor: UuidCursor = None,
    limit: Limit = 50,
    status_: Annotated[ApplicationStatus | None, Query(alias="status")] = None,
    wave: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    region: Annotated[Line | None, Query(max_length=32)] = None,
) -> Page[ApplicationSummary]:
    """Applications in id order, filtered by status, wave and region (with sub-regions)."""
    with reading(state, principal) as (uow, ctx):
        found = listings.applications(
            uow,
            ctx,
            status=status_.value if status_ else None,
            wave_number=wave,
            region_code=region,
            after=cursor,
            limit=limit,
        )
        numbers = listings.wave_numbers(uow, ctx)
    return Page[ApplicationSummary](
        items=[views.summary(a, numbers) for a in found], next_cursor=next_cursor(found, limit)
    )


@router.post(
    "/applications/{application_id}/revocation",
    response_model=RevocationOut,
    responses={**MUTATING, **problems(404)},
    summary="Revoke an application",
)
def revoke(
    application_id: uuid.UUID,
    body: RevocationIn,
    state: State,
    principal: Annotated[Principal, bearer("applications:write")],
) -> RevocationOut:
    """Unspent voucher back to the budget, unpaid benefits cancelled, paid ones claimed back
    where the programme says so."""
    with transaction(state, principal) as (uow, ctx):
        amounts = revocation.revoke(uow, ctx, application_id, body.reason)
    return RevocationOut(
        released=amounts.get("released", 0),
        cancelled=amounts.get("cancelled", 0),
        claimed=amounts.get("claimed", 0),
    )


@router.post(
    "/people/lookup",
    response_model=PersonMatchOut,
    responses=problems(404),
    summary="Find a person by national id (audited)",
)
def look_up(
    body: LookupIn, state: State, principal: Annotated[Principal, bearer("people:lookup")]
) -> PersonMatchOut:
    """The call centre's look-up. The national id travels in the body, never in a URL; the
    look-up and its reason are written to the audit log, found or not."""
    ctx = state.context_for(principal)
    with ctx.uow() as uow:
        numbers = listings.wave_numbers(uow, ctx)
        try:
            match = people.look_up_person(uow, ctx, body.national_id, body.reason)
        finally:
            uow.commit()  # the audit event is kept even when nobody is found
    return PersonMatchOut(
        person_id=match.person.id,
        full_name=match.person.full_name,
        birth_date=match.person.birth_date,
        national_id=state.disclose(principal, match.national_id) or "",
        applications=[views.summary(a, numbers) for a in match.applications],
    )


GrievanceOfficer = Annotated[Principal, bearer("grievances:write")]


@router.get("/grievances", response_model=Page[GrievanceOut], summary="Complaints to handle")
def list_grievances(
    state: State,
    principal: GrievanceOfficer,
    cursor: UuidCursor = None,
    limit: Limit = 50,
    status_: Annotated[GrievanceStatus | None, Query(alias="status")] = None,
) -> Page[GrievanceOut]:
    """Complaints in id order, filtered by status."""
    with reading(state, principal) as (uow, ctx):
        found = grievances.grievances(
            uow, ctx, status=status_.value if status_ else None, after=cursor, limit=limit
        )
    return Page[GrievanceOut](
        items=[views.grievance(g) for g in found], next_cursor=next_cursor(found, limit)
    )


@router.post(
    "/grievances/{grievance_id}/review",
    response_model=GrievanceOut,
    responses={**MUTATING, **problems(404)},
    summary="Take up a complaint",
)
def take_up(grievance_id: uuid.UUID, state: State, principal: GrievanceOfficer) -> GrievanceOut:
    """The complaint becomes ``in_review``, handled by the caller."""
    with transaction(state, principal) as (uow, ctx):
        return views.grievance(grievances.take_up(uow, ctx, grievance_id))


@router.post(
    "/grievances/{grievance_id}/answer",
    response_model=GrievanceOut,
    responses={**MUTATING, **problems(404)},
    summary="Answer a complaint",
)
def answer(
    grievance_id: uuid.UUID, body: GrievanceAnswerIn, state: State, principal: GrievanceOfficer
) -> GrievanceOut:
    """Resolve (upheld) or reject it, with the answer the applicant reads."""
    with transaction(state, principal) as (uow, ctx):
        return views.grievance(grievances.answer(uow, ctx, grievance_id, body.upheld, body.resolution))


@router.get("/reports/funnel", response_model=FunnelOut, summary="The programme funnel")
def funnel(state: State, principal: Annotated[Principal, bearer("reports:read")]) -> FunnelOut:
    """How many reached each stage, current statuses, ineligibility by rule."""
    with reading(state, principal) as (uow, ctx):
        report = reports.funnel(uow, ctx)
    return FunnelOut(
        stages=[FunnelStage(stage=s, count=c) for s, c in report.stages],
        current_status=dict(report.current_status),
        ineligible_by_rule=dict(report.ineligible_by_rule),
        paid_people=report.paid_people,
    )
