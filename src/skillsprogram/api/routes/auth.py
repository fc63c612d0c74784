"""Tokens for staff (OAuth2 client credentials), applicants signing in again by a one-time
code, and API clients (administrators)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request, status

from skillsprogram.api.deps import State, bearer, staff_member, still_admitted, transaction
from skillsprogram.api.problems import ApiError
from skillsprogram.api.routes import BEARER, COMMON, MUTATING, problems
from skillsprogram.api.schemas import (
    ClientIn,
    ClientOut,
    Line,
    SignedInOut,
    SignInChallengeOut,
    SignInCodeIn,
    SignInIn,
    TokenOut,
)
from skillsprogram.api.security import Principal
from skillsprogram.services import clients, sign_in

router = APIRouter(tags=["auth"])


@router.post(
    "/auth/token",
    response_model=TokenOut,
    responses=problems(400, 401, 403, 413, 422),
    summary="Get a bearer token (staff: client credentials; applicants: refresh token)",
)
def token(
    state: State,
    grant_type: Annotated[str, Form(pattern="^(client_credentials|refresh_token)$")],
    client_id: Annotated[uuid.UUID | None, Form()] = None,
    client_secret: Annotated[Line | None, Form(min_length=1, max_length=200)] = None,
    scope: Annotated[Line | None, Form(max_length=1_000)] = None,
    refresh_token: Annotated[Line | None, Form(min_length=1, max_length=4_000)] = None,
) -> TokenOut:
    """OAuth2 token endpoint. Officers, auditors and administrators use the
    client-credentials grant (``scope`` asks for a subset of the role's scopes; all of
    them when omitted). Applicants trade the refresh token they got at registration
    (``grant_type=refresh_token``) for a new access token and a new refresh token."""
    if grant_type == "refresh_token":
        if refresh_token is None:
            raise ApiError(400, "invalid-request", "the refresh_token grant needs refresh_token")
        applicant = state.tokens.check_refresh(refresh_token)
        still_admitted(state, applicant, "invalid-grant")
        application_id = applicant.application_id
        assert application_id is not None  # check_refresh refuses a refresh token without one
        issued = state.tokens.for_applicant(application_id)
        return TokenOut(
            access_token=issued.access_token,
            expires_in=issued.expires_in,
            scope=issued.scope,
            refresh_token=state.tokens.refresh_for_applicant(application_id),
        )
    if client_id is None or client_secret is None:
        raise ApiError(
            400, "invalid-request", "the client_credentials grant needs client_id and client_secret"
        )
    staff = staff_member(state, client_id, client_secret, scope)
    issued = state.tokens.issue(staff.role, staff.subject, staff.scopes, client_id=staff.client_id)
    return TokenOut(access_token=issued.access_token, expires_in=issued.expires_in, scope=issued.scope)


def client_of(request: Request) -> str:
    """The key a request is counted under in the per-client limits (its address)."""
    return request.client.host if request.client else "unknown"


@router.post(
    "/auth/sign-in-codes",
    response_model=SignInChallengeOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**COMMON, **problems(429)},
    summary="Ask for a one-time sign-in code (applicants)",
)
def sign_in_codes(body: SignInCodeIn, request: Request, state: State) -> SignInChallengeOut:
    """Send a 6-digit code to the contact of the applicant these details name (national id
    and birth date, or the contact itself), through the programme's notification channel.

    The answer is the same whether or not anyone matches: a ``challenge`` to send back with
    the code to ``/v1/auth/sign-in``. A code lasts ``sign_in.code_minutes`` and replaces any
    earlier one. Limited per client and per person (429 + Retry-After, alike for everyone)."""
    state.sign_in_limit.hit(client_of(request))
    asked = sign_in.CodeRequest(body.national_id, body.birth_date, body.contact)
    with transaction(state, None) as (uow, ctx):
        issue = sign_in.request_code(uow, ctx, asked, state.sign_in_code_limit)
    sign_in.send(state.ctx, issue)
    return SignInChallengeOut(challenge=issue.challenge, expires_in=issue.expires_in, contact=issue.contact)


@router.post(
    "/auth/sign-in",
    response_model=SignedInOut,
    responses={**COMMON, **problems(429)},
    summary="Sign in with a one-time code (applicants)",
)
def sign_in_with_code(body: SignInIn, request: Request, state: State) -> SignedInOut:
    """Trade the code received for the applicant's bearer token and refresh token, as at
    registration. The code works once; a wrong, expired or used-up code, or one for a
    revoked applicant, is refused alike (422 ``invalid-sign-in-code``, field ``code``)."""
    state.sign_in_limit.hit(client_of(request))
    with transaction(state, None) as (uow, ctx):
        application_id = sign_in.verify(uow, ctx, body.challenge, body.code)
    if application_id is None:
        raise sign_in.refusal()
    issued = state.tokens.for_applicant(application_id)
    return SignedInOut(
        application_id=application_id,
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        refresh_token=state.tokens.refresh_for_applicant(application_id),
    )


@router.post(
    "/clients",
    response_model=ClientOut,
    status_code=status.HTTP_201_CREATED,
    responses={**BEARER, **MUTATING, **problems(404)},
    summary="Create an API client (administrators)",
)
def create_client(
    body: ClientIn, state: State, principal: Annotated[Principal, bearer("clients:write")]
) -> ClientOut:
    """Create a platform, provider, rail or staff client. Its secret is shown only here."""
    with transaction(state, principal) as (uow, ctx):
        issued = clients.create_client(uow, ctx, body.role.value, body.name, body.owner_code)
    c = issued.client
    return ClientOut(
        client_id=c.id,
        role=c.role,
        owner_code=c.owner_code,
        name=c.name,
        secret=issued.secret,
        api_key=issued.api_key,
    )


@router.post(
    "/clients/{client_id}/revocation",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**BEARER, **MUTATING, **problems(404)},
    summary="Revoke an API client (administrators)",
)
def revoke_client(
    client_id: uuid.UUID, state: State, principal: Annotated[Principal, bearer("clients:write")]
) -> None:
    """Stop the client's key, signatures and tokens at once."""
    with transaction(state, principal) as (uow, ctx):
        clients.revoke_client(uow, ctx, client_id)
