"""Request dependencies: the programme context acting for the caller, and the checks that
let a caller in (tokens and scopes, API keys, rail signatures, ownership)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import APIKeyHeader, OAuth2, SecurityScopes

from skillsprogram.api.limits import RateLimiter
from skillsprogram.api.problems import ApiError
from skillsprogram.api.security import (
    ALL_SCOPES,
    ROLE_SCOPES,
    Principal,
    TokenService,
    check_signature,
    forbidden,
    unauthenticated,
)
from skillsprogram.api.settings import ApiSettings
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.access import STAFF_ROLES, ApiClient, ClientRole
from skillsprogram.errors import ApplicationNotFound
from skillsprogram.privacy import mask
from skillsprogram.services import clients, records
from skillsprogram.storage.uow import UnitOfWork

oauth2 = OAuth2(
    flows=OAuthFlows(
        clientCredentials=OAuthFlowClientCredentials(tokenUrl="/v1/auth/token", scopes=ALL_SCOPES)
    ),
    scheme_name="OAuth2",
    description="Bearer tokens: staff get theirs with the client-credentials grant at /v1/auth/token; "
    "applicants get theirs (scope `applicant`) when they register.",
    auto_error=False,
)
api_key = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKey",
    description="Platforms and providers: `<client id>.<secret>` as issued by an administrator.",
    auto_error=False,
)
rail_signature = APIKeyHeader(
    name="X-Signature",
    scheme_name="RailSignature",
    description="Payment rails sign callbacks: `sha256=` + hex HMAC-SHA256 of `<X-Timestamp>.<body>` under "
    "the rail client's secret, with `X-Client-Id` and `X-Timestamp` (Unix seconds) headers.",
    auto_error=False,
)


@dataclass
class ApiState:
    """What every request shares: settings, the programme context, tokens and limits."""

    settings: ApiSettings
    ctx: ProgrammeContext
    tokens: TokenService
    registration_limit: RateLimiter
    sign_in_limit: RateLimiter
    """Sign-in requests per client."""
    sign_in_code_limit: RateLimiter
    """Codes asked for per identity or contact, per hour (``[sign_in] codes_per_hour``)."""

    def context_for(self, principal: Principal | None) -> ProgrammeContext:
        """The programme context acting as ``principal`` (named in the audit log)."""
        actor = principal.actor if principal else "public"
        replica = dataclasses.replace(self.ctx, actor=actor)
        # Share the rail objects: a rail may hold connections (or a sandbox's ledger).
        replica.__dict__["rails"] = self.ctx.rails
        replica.__dict__["texts"] = self.ctx.texts
        return replica

    def disclose(self, principal: Principal, value: str | None) -> str | None:
        """A personal value in clear for roles that may see it, masked for everyone else."""
        if value is None:
            return None
        return value if principal.role in self.settings.clear_personal_data_roles else mask(value)

    def caller(self, headers: Mapping[str, str], body: bytes) -> Principal | None:
        """Who the request's credentials prove the caller to be, whichever kind they are
        (bearer token, API key, rail signature), checked as the routes check them; ``None``
        when the request carries none that authenticate (a route needing them refuses it)."""
        try:
            if headers.get("authorization"):
                return _bearer(self, headers["authorization"])
            if headers.get("x-api-key"):
                return key_holder(self, headers["x-api-key"])
            if headers.get("x-signature"):
                return _signer(
                    self, headers.get("x-client-id"), headers.get("x-timestamp"), headers["x-signature"], body
                )
        except ApiError:
            return None
        return None


def api_state(request: Request) -> ApiState:
    """The application's shared state."""
    state: ApiState = request.app.state.api
    return state


State = Annotated[ApiState, Depends(api_state)]


@contextmanager
def transaction(
    state: ApiState, principal: Principal | None
) -> Iterator[tuple[UnitOfWork, ProgrammeContext]]:
    """A committed unit of work acting as ``principal``; events go to the plugins after commit."""
    ctx = state.context_for(principal)
    with ctx.transaction() as uow:
        yield uow, ctx


@contextmanager
def reading(state: ApiState, principal: Principal | None) -> Iterator[tuple[UnitOfWork, ProgrammeContext]]:
    """A unit of work for reads: rolled back at the end, the records read stay usable."""
    ctx = state.context_for(principal)
    with ctx.uow() as uow:
        yield uow, ctx
        uow.session.expunge_all()


def _bearer(state: ApiState, authorization: str | None) -> Principal:
    if not authorization:
        raise unauthenticated("a bearer token is required")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthenticated("use the Bearer authorization scheme")
    principal = state.tokens.check(token.strip())
    still_admitted(state, principal)
    return principal


def still_admitted(state: ApiState, principal: Principal, code: str = "invalid-token") -> None:
    """Refuse (401) a token whose client or application has been revoked since it was issued.

    A signature proves only who the token was given to; whether they may still act is read
    on every request (one primary-key read), so a revocation ends access at once rather
    than when the token expires. Access and refresh tokens go through here alike (``code``
    names the refusal: ``invalid-grant`` for a refresh token at the token endpoint).
    """
    if principal.client_id is None and principal.application_id is None:
        return
    with state.ctx.uow() as uow:
        if principal.client_id is not None and clients.active_client(uow, principal.client_id) is None:
            raise unauthenticated("the client behind this token has been revoked", code)
        if principal.application_id is not None and not records.may_sign_in(
            uow, state.ctx, principal.application_id
        ):
            raise unauthenticated("the application behind this token has been revoked", code)


def requires(*scopes: str, applicant: bool = False) -> Callable[..., Principal]:
    """A dependency admitting staff holding every one of ``scopes`` and, when ``applicant``,
    applicants (whose ownership the route then checks with :func:`check_owner`)."""

    def dependency(
        security: SecurityScopes, state: State, authorization: Annotated[str | None, Depends(oauth2)]
    ) -> Principal:
        principal = _bearer(state, authorization)
        if principal.is_applicant:
            if not applicant:
                raise forbidden("applicants may not use this route")
            return principal
        wanted = [s for s in security.scopes if s != "applicant"]
        if not wanted:
            raise forbidden("only applicants use this route")
        missing = sorted(set(wanted) - principal.scopes)
        if missing:
            raise forbidden(f"the token lacks the scopes {missing}")
        return principal

    dependency.__name__ = f"requires_{'_'.join(scopes) or 'applicant'}"
    return dependency


def bearer(*scopes: str, applicant: bool = False) -> Any:
    """``Security(...)`` for a route: staff with ``scopes`` (and applicants when ``applicant``)."""
    declared = [*scopes, *(["applicant"] if applicant else [])]
    return Security(requires(*scopes, applicant=applicant), scopes=declared)


def check_owner(principal: Principal, application_id: uuid.UUID) -> None:
    """Applicants reach only their own application (others' look as if they did not exist)."""
    if principal.is_applicant and principal.application_id != application_id:
        raise ApplicationNotFound(application_id)


def organisation(*roles: ClientRole) -> Callable[..., Principal]:
    """A dependency admitting platforms/providers with an API key of one of ``roles``."""

    def dependency(state: State, key: Annotated[str | None, Depends(api_key)]) -> Principal:
        principal = key_holder(state, key)
        if principal.role not in {r.value for r in roles}:
            raise forbidden(f"a {principal.role} client may not use this route")
        return principal

    dependency.__name__ = f"organisation_{'_'.join(r.value for r in roles)}"
    return dependency


async def signed_rail(
    request: Request, rail: str, signature: Annotated[str | None, Depends(rail_signature)]
) -> Principal:
    """Admit a payment-rail callback signed by a client of that rail."""
    state = api_state(request)
    principal = _signer(
        state,
        request.headers.get("x-client-id"),
        request.headers.get("x-timestamp"),
        signature,
        await request.body(),
    )
    if principal.role != ClientRole.RAIL.value or principal.owner_code != rail:
        raise forbidden(f"this client may not report for rail {rail!r}")
    return dataclasses.replace(principal, subject=rail)


def _client(client: ApiClient) -> Principal:
    return Principal(
        role=client.role,
        subject=client.owner_code or str(client.id),
        client_id=client.id,
        owner_code=client.owner_code,
    )


def key_holder(state: ApiState, key: str | None) -> Principal:
    """The client whose API key (``X-API-Key``, or typed into the portal's sign-in) this
    is; 401 problems otherwise."""
    if not key:
        raise unauthenticated("an X-API-Key header is required", scheme="ApiKey")
    client_id, _, secret = key.partition(".")
    try:
        cid = uuid.UUID(client_id)
    except ValueError:
        raise unauthenticated("the API key is malformed", "invalid-api-key", "ApiKey") from None
    with state.ctx.uow() as uow:
        client = clients.authenticate(uow, cid, secret)
    if client is None:
        raise unauthenticated("the API key is not valid", "invalid-api-key", "ApiKey")
    return _client(client)


def active_organisation(state: ApiState, client_id: uuid.UUID, *roles: ClientRole) -> Principal | None:
    """The client ``client_id`` as the API's caller, while it is active and holds one of
    ``roles``; ``None`` once it has been revoked (read on every request, as for a key)."""
    with state.ctx.uow() as uow:
        client = clients.active_client(uow, client_id)
    if client is None or client.role not in {role.value for role in roles}:
        return None
    return _client(client)


def staff_member(state: ApiState, client_id: uuid.UUID, secret: str, scope: str | None = None) -> Principal:
    """The staff member whose client id and secret these are, with the scopes asked for
    (``scope``, space-separated: a subset of the role's; all of them when ``None``).

    The one check behind ``POST /v1/auth/token`` and the console's sign-in: 401
    ``invalid-client`` for an unknown, revoked or wrong pair, 403 ``unauthorized-client``
    for an organisation's client (it uses its API key) and 403 ``invalid-scope`` for a
    scope the role may not have.
    """
    with state.ctx.uow() as uow:
        client = clients.authenticate(uow, client_id, secret)
    if client is None:
        raise ApiError(
            401, "invalid-client", "unknown client or wrong secret", headers={"WWW-Authenticate": "Basic"}
        )
    if client.role not in {r.value for r in STAFF_ROLES}:
        raise ApiError(403, "unauthorized-client", f"a {client.role} client uses its API key, not tokens")
    allowed = ROLE_SCOPES[client.role]
    wanted = frozenset(scope.split()) if scope else allowed
    if not wanted <= allowed:
        raise ApiError(403, "invalid-scope", f"a {client.role} may not have {sorted(wanted - allowed)}")
    return dataclasses.replace(_client(client), scopes=wanted)


def active_staff(state: ApiState, client_id: uuid.UUID) -> Principal | None:
    """The staff client ``client_id`` with every scope of its role, while it is active;
    ``None`` once it has been revoked (read on every request, as for a key)."""
    principal = active_organisation(state, client_id, *STAFF_ROLES)
    if principal is None:
        return None
    return dataclasses.replace(principal, scopes=ROLE_SCOPES[principal.role])


def _signer(
    state: ApiState, client_id: str | None, timestamp: str | None, signature: str | None, body: bytes
) -> Principal:
    """The client that signed ``body``; 401 problems otherwise."""
    if not signature or not client_id or not timestamp:
        raise unauthenticated(
            "signed callbacks need X-Client-Id, X-Timestamp and X-Signature", "invalid-signature", "Signature"
        )
    try:
        cid = uuid.UUID(client_id)
    except ValueError:
        raise unauthenticated("X-Client-Id is not a client id", "invalid-signature", "Signature") from None
    with state.ctx.uow() as uow:
        client = clients.active_client(uow, cid)
        secret = state.ctx.vault.decrypt(client.secret_enc) if client is not None else None
    if client is None or secret is None:
        raise unauthenticated("unknown or revoked client", "invalid-signature", "Signature")
    check_signature(
        secret, timestamp, body, signature, state.ctx.clock.now(), state.settings.signature_tolerance_seconds
    )
    return _client(client)
