"""Platforms and providers (API keys): publish courses, redeem codes, report completions and
monthly attendance. A provider reaches only enrolments in its own courses."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

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
from skillsprogram.services.training import CompletionReport
from skillsprogram.storage.uow import UnitOfWork

router = APIRouter(
    tags=["platforms and providers"], responses={**problems(400, 401, 403, 413, 422), **MUTATING}
)
Publisher = Annotated[Principal, Depends(organisation(ClientRole.PLATFORM, ClientRole.PROVIDER))]
Provider = Annotated[Principal, Depends(organisation(ClientRole.PROVIDER))]
T = TypeVar("T")


@router.post(
    "/courses",
    response_model=CoursePublished,
    status_code=status.HTTP_201_CREATED,
    summary="Publish a course",
)
def publish(body: CourseIn, state: State, principal: Publisher) -> CoursePublished:
    """A platform publishes courses it sells, a provider those it teaches. The other
    organisation named must be registered with the programme already (422
    ``unknown-provider`` / ``unknown-platform``); a code already published is 409
    ``course-exists``."""
    role = ClientRole(principal.role)
    own = body.platform_code if role is ClientRole.PLATFORM else body.provider_code
    if own != principal.owner_code:
        raise forbidden(f"a {principal.role} publishes only its own courses ({principal.owner_code})")
    with transaction(state, principal) as (uow, ctx):
        course = partners.publish_course(uow, ctx, CourseSpec(**body.model_dump()), by=role)
        return CoursePublished(id=course.id, code=course.code)


def _for_own_enrolments(
    uow: UnitOfWork,
    principal: Principal,
    purchase_ids: Sequence[uuid.UUID | None],
    items: Sequence[T],
    run: Callable[[list[T]], Sequence[Outcome[Any]]],
) -> list[Outcome[Any]]:
    """Run the service on the items whose purchase is one of this provider's enrolments; the
    others are refused as not found (a provider must not learn of other providers' trainees).
    Outcomes come back in the order of ``items``."""
    owned = partners.provider_purchases(uow, principal.owner_code or "", [p for p in purchase_ids if p])
    ours = [pid is not None and pid in owned for pid in purchase_ids]
    done = iter(run([item for item, mine in zip(items, ours, strict=True) if mine]))
    refused: Outcome[Any] = Outcome(
        error=NotFound("no such purchase among this provider's courses", code="purchase-not-found")
    )
    return [next(done) if mine else refused for mine in ours]


@router.post("/redemptions", response_model=BatchOut, summary="Redeem codes beneficiaries bring")
def redeem(body: RedemptionsIn, state: State, principal: Provider) -> BatchOut:
    """Each code starts its course; codes of other providers' courses are refused."""
    with transaction(state, principal) as (uow, ctx):
        ids = partners.purchases_by_redeem_code(uow, body.codes)
        wanted = [ids.get(code.strip().upper()) for code in body.codes]
        outcomes = _for_own_enrolments(
            uow, principal, wanted, body.codes, lambda codes: training.redeem_many(uow, ctx, codes)
        )
        return views.batch(state, outcomes)


@router.post("/completions", response_model=BatchOut, summary="Report completed courses")
def complete(body: CompletionsIn, state: State, principal: Provider) -> BatchOut:
    """Completions with certificates; a beneficiary's first completes their training."""
    with transaction(state, principal) as (uow, ctx):
        outcomes = _for_own_enrolments(
            uow,
            principal,
            [i.purchase_id for i in body.items],
            [CompletionReport(i.purchase_id, i.certificate_number, i.score) for i in body.items],
            lambda reports: training.complete_many(uow, ctx, reports),
        )
        return views.batch(state, outcomes)


@router.post("/attendance", response_model=BatchOut, summary="Report monthly attendance")
def attendance(body: AttendanceIn, state: State, principal: Provider) -> BatchOut:
    """One figure per enrolment and month; each may earn (or withhold) an allowance."""
    with transaction(state, principal) as (uow, ctx):
        outcomes = _for_own_enrolments(
            uow,
            principal,
            [i.purchase_id for i in body.items],
            [i.request() for i in body.items],
            lambda requests: training.report_attendance_many(uow, ctx, requests),
        )
        return views.batch(state, outcomes)
