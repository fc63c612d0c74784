"""Applicants: register, follow their application, spend the voucher, rate, answer surveys,
name a payment account, file complaints. Staff with ``applications:read`` may read the
same records (each read audited); an applicant reaches only their own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Path, Request, status

from skillsprogram.api import views
from skillsprogram.api.deps import ApiState, State, bearer, check_owner, reading, transaction
from skillsprogram.api.pagination import IntCursor, Limit, Page, UuidCursor, next_cursor, position
from skillsprogram.api.routes import BEARER, COMMON, MUTATING, problems
from skillsprogram.api.schemas import (
    AccountIn,
    AccountOut,
    ApplicationOut,
    GrievanceIn,
    GrievanceOut,
    Line,
    PurchaseIn,
    PurchaseOut,
    RatingIn,
    RatingOut,
    RegistrationIn,
    RegistrationOut,
    SurveyIn,
    SurveyOut,
    TimelineEvent,
    VoucherMoveOut,
    VoucherStatementOut,
)
from skillsprogram.api.security import Principal
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import RegistrationRequest
from skillsprogram.errors import ValidationFailed
from skillsprogram.services import accounts, grievances, records, registration, surveys, training, vouchers
from skillsprogram.services.grievances import GrievanceFiling
from skillsprogram.storage.uow import UnitOfWork

router = APIRouter(tags=["applicants"])


@contextmanager
def owner_read(
    state: ApiState, principal: Principal, application_id: uuid.UUID, view: str
) -> Iterator[tuple[UnitOfWork, ProgrammeContext]]:
    """A read under one application: the applicant's own is not audited, a staff read is
    (the audit event commits with the read)."""
    check_owner(principal, application_id)
    if principal.is_applicant:
        with reading(state, principal) as pair:
            yield pair
        return
    with transaction(state, principal) as (uow, ctx):
        records.note_read(uow, ctx, application_id, view)
        yield uow, ctx


ApplicantOrStaff = Annotated[Principal, bearer("applications:read", applicant=True)]
Applicant = Annotated[Principal, bearer(applicant=True)]


@router.post(
    "/registrations",
    response_model=RegistrationOut,
    status_code=status.HTTP_201_CREATED,
    responses={**COMMON, **MUTATING, **problems(429)},
    summary="Register for the programme",
)
def register(
    body: RegistrationIn,
    request: Request,
    state: State,
) -> RegistrationOut:
    """Apply during an open wave. Needs the applicant's consent; answers with the new
    application and the applicant's bearer token. Limited per client (429 + Retry-After).

    ``attributes`` holds what the programme's rules read (``GET /v1/programme`` lists them
    with their allowed values): a missing required one, a value outside the allowed ones or
    an attribute the programme does not read is refused (422, naming ``attributes.<name>``)
    and nothing is stored, so the applicant can correct it and register."""
    state.registration_limit.hit(request.client.host if request.client else "unknown")
    if not body.consent:
        raise ValidationFailed(
            "registration needs the applicant's consent to the processing of their data",
            code="consent-required",
            field="consent",
        )
    req = RegistrationRequest(**body.model_dump(exclude={"consent"}))
    with transaction(state, None) as (uow, ctx):
        application_id = registration.register(uow, ctx, req)
    issued = state.tokens.for_applicant(application_id)
    return RegistrationOut(
        application_id=application_id,
        status="registered",
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        refresh_token=state.tokens.refresh_for_applicant(application_id),
    )


@router.get(
    "/applications/{application_id}",
    response_model=ApplicationOut,
    responses={**BEARER, **problems(404)},
    summary="An application with its voucher, purchases, benefits and payouts",
)
def get_application(application_id: uuid.UUID, state: State, principal: ApplicantOrStaff) -> ApplicationOut:
    """The applicant's own record, or (staff) anyone's: staff reads are audited."""
    check_owner(principal, application_id)
    with transaction(state, principal) as (uow, ctx):
        rec = records.application_record(uow, ctx, application_id, audit_read=not principal.is_applicant)
        return views.application(state, principal, rec, ctx.config.currency)


@router.get(
    "/applications/{application_id}/timeline",
    response_model=Page[TimelineEvent],
    responses={**BEARER, **problems(404)},
    summary="The application's history",
)
def timeline(
    application_id: uuid.UUID,
    state: State,
    principal: ApplicantOrStaff,
    cursor: IntCursor = None,
    limit: Limit = 50,
) -> Page[TimelineEvent]:
    """Every step of the application, its purchases and complaints, oldest first."""
    with owner_read(state, principal, application_id, "timeline") as (uow, ctx):
        events = records.timeline(uow, ctx, application_id, position(cursor), limit)
    return Page[TimelineEvent](
        items=[
            TimelineEvent(
                id=e.id or 0,
                occurred_at=e.occurred_at,
                entity=e.entity,
                action=e.action,
                from_status=e.from_status,
                to_status=e.to_status,
            )
            for e in events
        ],
        next_cursor=next_cursor(events, limit),
    )


@router.get(
    "/applications/{application_id}/voucher",
    response_model=VoucherStatementOut,
    responses={**BEARER, **problems(404)},
    summary="The voucher, its balance and its history",
)
def voucher(application_id: uuid.UUID, state: State, principal: ApplicantOrStaff) -> VoucherStatementOut:
    """The voucher's status and remaining balance, what is held for courses bought and not
    yet redeemed, and every movement on it, all derived from the ledger."""
    with owner_read(state, principal, application_id, "voucher") as (uow, ctx):
        statement = vouchers.voucher_statement(uow, ctx, application_id)
    v = statement.voucher
    return VoucherStatementOut(
        id=v.id,
        status=v.status,
        balance=statement.balance,
        currency=ctx.config.currency,
        issued_at=v.issued_at,
        first_purchase_deadline=v.first_purchase_deadline,
        expires_at=v.expires_at,
        held=statement.held,
        history=[
            VoucherMoveOut(
                kind=m.kind,
                amount=m.amount,
                at=m.at,
                purchase_id=m.purchase_id,
                purchase_status=m.purchase_status,
            )
            for m in statement.moves
        ],
    )


@router.get(
    "/applications/{application_id}/purchases",
    response_model=Page[PurchaseOut],
    responses={**BEARER, **problems(404)},
    summary="Courses bought",
)
def list_purchases(
    application_id: uuid.UUID,
    state: State,
    principal: ApplicantOrStaff,
    cursor: UuidCursor = None,
    limit: Limit = 50,
) -> Page[PurchaseOut]:
    """The application's purchases with their voucher and redeem codes, oldest first."""
    with owner_read(state, principal, application_id, "purchases") as (uow, ctx):
        found = records.purchases(uow, ctx, application_id, after=cursor, limit=limit)
    return Page[PurchaseOut](items=[views.purchase(p) for p in found], next_cursor=next_cursor(found, limit))


@router.post(
    "/applications/{application_id}/purchases",
    response_model=PurchaseOut,
    status_code=status.HTTP_201_CREATED,
    responses={**BEARER, **MUTATING, **problems(404)},
    summary="Buy a course with the voucher",
)
def purchase(application_id: uuid.UUID, body: PurchaseIn, state: State, principal: Applicant) -> PurchaseOut:
    """The price moves from the voucher to the provider; concurrent purchases never overdraw."""
    check_owner(principal, application_id)
    with transaction(state, principal) as (uow, ctx):
        bought = vouchers.purchase_course(uow, ctx, application_id, body.course_id)
        return views.purchase(bought)


@router.post(
    "/applications/{application_id}/purchases/{purchase_id}/rating",
    response_model=RatingOut,
    status_code=status.HTTP_201_CREATED,
    responses={**BEARER, **MUTATING, **problems(404)},
    summary="Rate a completed course",
)
def rate(
    application_id: uuid.UUID, purchase_id: uuid.UUID, body: RatingIn, state: State, principal: Applicant
) -> RatingOut:
    """One rating per completed course; the first may earn an incentive."""
    check_owner(principal, application_id)
    with transaction(state, principal) as (uow, ctx):
        rating = training.rate_own(uow, ctx, application_id, purchase_id, body.stars, body.comment)
        return RatingOut(
            purchase_id=rating.purchase_id,
            stars=rating.stars,
            comment=rating.comment,
            rated_at=rating.rated_at,
        )


@router.post(
    "/applications/{application_id}/surveys/{survey}",
    response_model=SurveyOut,
    status_code=status.HTTP_201_CREATED,
    responses={**BEARER, **MUTATING, **problems(404)},
    summary="Answer a survey",
)
def answer_survey(
    application_id: uuid.UUID,
    survey: Annotated[Line, Path(max_length=64)],
    body: SurveyIn,
    state: State,
    principal: Applicant,
) -> SurveyOut:
    """Every question answered, once per survey; answers may earn a survey incentive."""
    check_owner(principal, application_id)
    with transaction(state, principal) as (uow, ctx):
        response = surveys.answer_survey(uow, ctx, application_id, survey, body.answers)
        return SurveyOut(id=response.id, survey=response.survey, submitted_at=response.submitted_at)


@router.get(
    "/applications/{application_id}/payment-accounts",
    response_model=Page[AccountOut],
    responses={**BEARER, **problems(404)},
    summary="Payment accounts",
)
def list_accounts(
    application_id: uuid.UUID,
    state: State,
    principal: ApplicantOrStaff,
    cursor: UuidCursor = None,
    limit: Limit = 50,
) -> Page[AccountOut]:
    """The person's accounts, oldest first, numbers masked unless the role may see them."""
    with owner_read(state, principal, application_id, "payment-accounts") as (uow, ctx):
        found = records.payment_accounts(uow, ctx, application_id, after=cursor, limit=limit)
    return Page[AccountOut](
        items=[views.account(state, principal, a, n) for a, n in found],
        next_cursor=next_cursor([a for a, _ in found], limit),
    )


@router.post(
    "/applications/{application_id}/payment-accounts",
    response_model=AccountOut,
    status_code=status.HTTP_201_CREATED,
    responses={**BEARER, **MUTATING, **problems(404)},
    summary="Name an account to be paid into; the rail verifies it",
)
def add_account(application_id: uuid.UUID, body: AccountIn, state: State, principal: Applicant) -> AccountOut:
    """The rail confirms the account exists in the applicant's own name (``verified``) or
    says why not (``rejected``); benefits waiting for an account are then scheduled."""
    check_owner(principal, application_id)
    with transaction(state, principal) as (uow, ctx):
        added = accounts.add_applicant_account(uow, ctx, application_id, body.rail, body.account_number)
        number = ctx.vault.decrypt(added.number_enc)
        return views.account(state, principal, added, number)


@router.post(
    "/applications/{application_id}/payment-accounts/{account_id}/choice",
    response_model=AccountOut,
    responses={**BEARER, **MUTATING, **problems(404)},
    summary="Choose the account payments go to",
)
def choose_account(
    application_id: uuid.UUID, account_id: uuid.UUID, state: State, principal: Applicant
) -> AccountOut:
    """Of the applicant's verified accounts, the one paid from now on (payouts already
    scheduled keep theirs); an account the rail did not verify is refused (409)."""
    check_owner(principal, application_id)
    with transaction(state, principal) as (uow, ctx):
        chosen = accounts.choose_paid_account(uow, ctx, application_id, account_id)
        return views.account(state, principal, chosen, ctx.vault.decrypt(chosen.number_enc))


@router.post(
    "/applications/{application_id}/grievances",
    response_model=GrievanceOut,
    status_code=status.HTTP_201_CREATED,
    responses={**BEARER, **MUTATING, **problems(404)},
    summary="File a complaint",
)
def file_grievance(
    application_id: uuid.UUID, body: GrievanceIn, state: State, principal: Applicant
) -> GrievanceOut:
    """A complaint about one's own application; officers answer it."""
    check_owner(principal, application_id)
    with transaction(state, principal) as (uow, ctx):
        filed = grievances.file_grievance(
            uow, ctx, GrievanceFiling(application_id, body.category.value, body.subject, body.description)
        )
        return views.grievance(filed)


@router.get(
    "/applications/{application_id}/grievances",
    response_model=Page[GrievanceOut],
    responses={**BEARER, **problems(404)},
    summary="Complaints of an application",
)
def list_grievances(
    application_id: uuid.UUID,
    state: State,
    principal: ApplicantOrStaff,
    cursor: UuidCursor = None,
    limit: Limit = 50,
) -> Page[GrievanceOut]:
    """The application's complaints and their answers."""
    with owner_read(state, principal, application_id, "grievances") as (uow, ctx):
        found = grievances.grievances(uow, ctx, application_id=application_id, after=cursor, limit=limit)
    return Page[GrievanceOut](
        items=[views.grievance(g) for g in found], next_cursor=next_cursor(found, limit)
    )


@router.get(
    "/applications/{application_id}/grievances/{grievance_id}",
    response_model=GrievanceOut,
    responses={**BEARER, **problems(404)},
    summary="One complaint",
)
def get_grievance(
    application_id: uuid.UUID, grievance_id: uuid.UUID, state: State, principal: ApplicantOrStaff
) -> GrievanceOut:
    """A complaint of the application, with its answer once given."""
    with owner_read(state, principal, application_id, "grievance") as (uow, ctx):
        found = grievances.grievance_of(uow, ctx, application_id, grievance_id)
    return views.grievance(found)
