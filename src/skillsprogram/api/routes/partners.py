"""Platforms and providers (API keys): publish, change and withdraw courses, list enrolments,
redeem codes, report completions and monthly attendance. An organisation reaches only its
own courses (those it teaches or sells) and their enrolments."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from skillsprogram.api import views
from skillsprogram.api.deps import State, organisation, reading, transaction
from skillsprogram.api.pagination import Limit, Page, UuidCursor, next_cursor
from skillsprogram.api.routes import MUTATING, problems
from skillsprogram.api.schemas import (
    AttendanceIn,
    BatchOut,
    CompletionsIn,
    CourseChangeIn,
    CourseIn,
    CoursePublished,
    EnrolmentOut,
    OrganisationSummaryOut,
    OwnCourseOut,
    RedemptionsIn,
)
from skillsprogram.api.security import Principal, forbidden
from skillsprogram.domain.access import ClientRole
from skillsprogram.domain.exchange import CourseSpec
from skillsprogram.domain.lifecycle import PurchaseStatus
from skillsprogram.services import partners
from skillsprogram.services.partners import CourseChange, Organisation
from skillsprogram.services.training import CompletionReport

router = APIRouter(
    tags=["platforms and providers"], responses={**problems(400, 401, 403, 413, 422), **MUTATING}
)
Publisher = Annotated[Principal, Depends(organisation(ClientRole.PLATFORM, ClientRole.PROVIDER))]
Provider = Annotated[Principal, Depends(organisation(ClientRole.PROVIDER))]
#: Routes an organisation's key reaches for its own courses (a platform and a provider alike).
PUBLISHER_ROUTES = frozenset(
    {
        ("POST", "/v1/courses"),
        ("PATCH", "/v1/courses/{course_id}"),
        ("POST", "/v1/courses/{course_id}/withdrawal"),
        ("GET", "/v1/organisation"),
        ("GET", "/v1/organisation/courses"),
        ("GET", "/v1/enrolments"),
    }
)


def organisation_of(principal: Principal) -> Organisation:
    """The platform or provider an API key's holder acts for."""
    return Organisation(ClientRole(principal.role), principal.owner_code or "")


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


@router.post("/redemptions", response_model=BatchOut, summary="Redeem codes beneficiaries bring")
def redeem(body: RedemptionsIn, state: State, principal: Provider) -> BatchOut:
    """Each code starts its course; codes of other providers' courses are refused."""
    with transaction(state, principal) as (uow, ctx):
        return views.batch(state, partners.redeem_own(uow, ctx, principal.owner_code or "", body.codes))


@router.post("/completions", response_model=BatchOut, summary="Report completed courses")
def complete(body: CompletionsIn, state: State, principal: Provider) -> BatchOut:
    """Completions with certificates; a beneficiary's first completes their training."""
    reports = [CompletionReport(i.purchase_id, i.certificate_number, i.score) for i in body.items]
    with transaction(state, principal) as (uow, ctx):
        return views.batch(state, partners.complete_own(uow, ctx, principal.owner_code or "", reports))


@router.post("/attendance", response_model=BatchOut, summary="Report monthly attendance")
def attendance(body: AttendanceIn, state: State, principal: Provider) -> BatchOut:
    """One figure per enrolment and month; each may earn (or withhold) an allowance."""
    requests = [i.request() for i in body.items]
    with transaction(state, principal) as (uow, ctx):
        return views.batch(state, partners.attend_own(uow, ctx, principal.owner_code or "", requests))


@router.patch(
    "/courses/{course_id}",
    response_model=OwnCourseOut,
    responses=problems(404),
    summary="Change a course's price or description",
)
def change(course_id: uuid.UUID, body: CourseChangeIn, state: State, principal: Publisher) -> OwnCourseOut:
    """The price applies to purchases from now on (those made keep theirs); an empty
    description removes it. Another organisation's course is 404 ``course-not-found``; a
    withdrawn one 409 ``course-withdrawn``."""
    wanted = CourseChange(price=body.price, description=body.description)
    with transaction(state, principal) as (uow, ctx):
        return views.own_course(
            partners.change_course(uow, ctx, organisation_of(principal), course_id, wanted)
        )


@router.post(
    "/courses/{course_id}/withdrawal",
    response_model=OwnCourseOut,
    responses=problems(404),
    summary="Withdraw a course from sale",
)
def withdraw(course_id: uuid.UUID, state: State, principal: Publisher) -> OwnCourseOut:
    """The course leaves the catalogue and can no longer be bought; purchases already made
    stand (redeemed, completed and paid as before). Withdrawing twice changes nothing."""
    with transaction(state, principal) as (uow, ctx):
        return views.own_course(partners.withdraw_course(uow, ctx, organisation_of(principal), course_id))


@router.get("/organisation", response_model=OrganisationSummaryOut, summary="The caller's figures")
def organisation_figures(state: State, principal: Publisher) -> OrganisationSummaryOut:
    """The caller's courses on sale and withdrawn, and its enrolments by state."""
    with reading(state, principal) as (uow, _ctx):
        return views.organisation_summary(partners.summary(uow, organisation_of(principal)))


@router.get("/organisation/courses", response_model=Page[OwnCourseOut], summary="The caller's courses")
def own_courses(
    state: State, principal: Publisher, cursor: UuidCursor = None, limit: Limit = 50
) -> Page[OwnCourseOut]:
    """The courses the caller teaches (a provider) or sells (a platform), withdrawn ones
    too, in id order."""
    with reading(state, principal) as (uow, _ctx):
        found = partners.own_courses(uow, organisation_of(principal), after=cursor, limit=limit)
    return Page[OwnCourseOut](
        items=[views.own_course(c) for c in found], next_cursor=next_cursor(found, limit)
    )


@router.get("/enrolments", response_model=Page[EnrolmentOut], summary="Enrolments in the caller's courses")
def enrolments(
    state: State,
    principal: Publisher,
    cursor: UuidCursor = None,
    limit: Limit = 50,
    course_id: Annotated[uuid.UUID | None, Query(description="Only this course's")] = None,
    status: Annotated[PurchaseStatus | None, Query(description="Only enrolments in this state")] = None,
) -> Page[EnrolmentOut]:
    """Purchases of the caller's courses in id order, by course and state."""
    with reading(state, principal) as (uow, _ctx):
        found = partners.enrolments(
            uow,
            organisation_of(principal),
            course_id=course_id,
            status=status.value if status else None,
            after=cursor,
            limit=limit,
        )
    return Page[EnrolmentOut](
        items=[views.enrolment(e) for e in found], next_cursor=next_cursor(found, limit)
    )
