"""Platforms and providers (API keys): publish courses, redeem codes, report completions and
monthly attendance. A provider reaches only enrolments in its own courses."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, status

from skillsprogram.api import views
from skillsprogram.api.deps import State, organisation, transaction
from skillsprogram.api.routes import MUTATING, problems
from skillsprogram.api.schemas import (
    AttendanceIn,
    BatchOut,
    CompletionsIn,
    CourseIn,
    CoursePublished,
    RedemptionsIn,
)
from skillsprogram.api.security import Principal, forbidden
from skillsprogram.domain.access import ClientRole
from skillsprogram.domain.exchange import CourseSpec
from skillsprogram.errors import NotFound
from skillsprogram.services import partners, training
from skillsprogram.services.outcomes import Outcome
from skillsprogram.services.training import AttendanceRequest, CompletionReport

router = APIRouter(
    tags=["platforms and providers"], responses={**problems(400, 401, 403, 413, 422), **MUTATING}
)
Publisher = Annotated[Principal, Depends(organisation(ClientRole.PLATFORM, ClientRole.PROVIDER))]
Provider = Annotated[Principal, Depends(organisation(ClientRole.PROVIDER))]


@router.post(
    "/courses",
    response_model=CoursePublished,
    status_code=status.HTTP_201_CREATED,
    summary="Publish a course",
)
def publish(body: CourseIn, state: State, principal: Publisher) -> CoursePublished:
    """A platform publishes courses it sells, a provider those it teaches."""
    own = body.platform_code if principal.role == ClientRole.PLATFORM else body.provider_code
    if own != principal.owner_code:
        raise forbidden(f"a {principal.role} publishes only its own courses ({principal.owner_code})")
    with transaction(state, principal) as (uow, ctx):
        course = partners.publish_course(uow, ctx, CourseSpec(**body.model_dump()))
        return CoursePublished(id=course.id, code=course.code)


def _not_ours(
    purchase_ids: Sequence[uuid.UUID | None], owned: set[uuid.UUID]
) -> list[Outcome[object] | None]:
    return [
        None
        if pid is not None and pid in owned
        else Outcome(
            error=NotFound("no such purchase among this provider's courses", code="purchase-not-found")
        )
        for pid in purchase_ids
    ]


def _merge(checks: list[Outcome[Any] | None], run: Sequence[Outcome[Any]]) -> list[Outcome[Any]]:
    done = iter(run)
    return [check if check is not None else next(done) for check in checks]


@router.post("/redemptions", response_model=BatchOut, summary="Redeem codes beneficiaries bring")
def redeem(body: RedemptionsIn, state: State, principal: Provider) -> BatchOut:
    """Each code starts its course; codes of other providers' courses are refused."""
    with transaction(state, principal) as (uow, ctx):
        ids = partners.purchases_by_redeem_code(uow, body.codes)
        wanted = [ids.get(code.strip().upper()) for code in body.codes]
        owned = partners.provider_purchases(uow, principal.owner_code or "", [w for w in wanted if w])
        checks = _not_ours(wanted, owned)
        accepted = [code for code, check in zip(body.codes, checks, strict=True) if check is None]
        run = training.redeem_many(uow, ctx, accepted)
        return views.batch(state, _merge(checks, list(run)))


@router.post("/completions", response_model=BatchOut, summary="Report completed courses")
def complete(body: CompletionsIn, state: State, principal: Provider) -> BatchOut:
    """Completions with certificates; a beneficiary's first completes their training."""
    with transaction(state, principal) as (uow, ctx):
        owned = partners.provider_purchases(
            uow, principal.owner_code or "", [i.purchase_id for i in body.items]
        )
        checks = _not_ours([i.purchase_id for i in body.items], owned)
        accepted = [
            CompletionReport(i.purchase_id, i.certificate_number, i.score)
            for i, check in zip(body.items, checks, strict=True)
            if check is None
        ]
        return views.batch(state, _merge(checks, list(training.complete_many(uow, ctx, accepted))))


@router.post("/attendance", response_model=BatchOut, summary="Report monthly attendance")
def attendance(body: AttendanceIn, state: State, principal: Provider) -> BatchOut:
    """One figure per enrolment and month; each may earn (or withhold) an allowance."""
    with transaction(state, principal) as (uow, ctx):
        owned = partners.provider_purchases(
            uow, principal.owner_code or "", [i.purchase_id for i in body.items]
        )
        checks = _not_ours([i.purchase_id for i in body.items], owned)
        accepted = [
            AttendanceRequest(i.purchase_id, i.period, i.attendance_percent)
            for i, check in zip(body.items, checks, strict=True)
            if check is None
        ]
        return views.batch(state, _merge(checks, list(training.report_attendance_many(uow, ctx, accepted))))
