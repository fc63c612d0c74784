"""API clients: platforms, providers, payment rails and staff allowed to call the API.

A client's secret is generated here, shown once, and kept only as a SHA-256 (to
recognise it) and a ciphertext (rails sign their callbacks with it, so it must be
recomputable). Creating and revoking a client is audited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.access import ApiClient, ClientRole
from skillsprogram.errors import NotFound, ValidationFailed
from skillsprogram.services.audit import Change, record
from skillsprogram.storage.uow import UnitOfWork

#: Roles that act for an organisation and must name it.
ORGANISATION_ROLES = frozenset({ClientRole.PLATFORM, ClientRole.PROVIDER, ClientRole.RAIL})


@dataclass(frozen=True, slots=True)
class IssuedClient:
    """A new client and its secret (never stored in clear, never shown again)."""

    client: ApiClient
    secret: str

    @property
    def api_key(self) -> str:
        """The key a platform or provider sends: ``<client id>.<secret>``."""
        return f"{self.client.id}.{self.secret}"


def secret_digest(secret: str) -> str:
    """The stored form of a client secret (the secret is random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_client(
    uow: UnitOfWork, ctx: ProgrammeContext, role: str, name: str, owner_code: str | None = None
) -> IssuedClient:
    """Register a client; platforms, providers and rails name the organisation they act for."""
    try:
        kind = ClientRole(role)
    except ValueError:
        raise ValidationFailed(
            f"unknown client role {role!r}", code="invalid-client-role", field="role"
        ) from None
    if kind in ORGANISATION_ROLES and not owner_code:
        raise ValidationFailed(
            f"a {kind} client must name its {kind} code", code="invalid-client", field="owner"
        )
    if kind is ClientRole.RAIL and owner_code:
        ctx.rail(owner_code)  # refuses a rail the programme does not offer
    secret = secrets.token_urlsafe(32)
    client = ApiClient(
        role=kind.value,
        owner_code=owner_code if kind in ORGANISATION_ROLES else None,
        name=name,
        secret_hash=secret_digest(secret),
        secret_enc=ctx.vault.encrypt(secret),
        created_at=ctx.clock.now(),
    )
    uow.session.add(client)
    uow.session.flush()
    record(
        uow,
        ctx,
        [
            Change(
                "api_client",
                client.id,
                "client_created",
                None,
                "active",
                {"role": kind.value, "owner": owner_code, "name": name},
            )
        ],
    )
    return IssuedClient(client, secret)


def revoke_client(uow: UnitOfWork, ctx: ProgrammeContext, client_id: uuid.UUID) -> ApiClient:
    """Stop a client's key, signatures and tokens from working (once: the row is locked, so
    administrators revoking it at the same moment record one revocation)."""
    client = uow.session.get(ApiClient, client_id, with_for_update=True)
    if client is None:
        raise NotFound(f"no API client {client_id}", code="client-not-found")
    if client.revoked_at is None:
        client.revoked_at = ctx.clock.now()
        record(uow, ctx, [Change("api_client", client.id, "client_revoked", "active", "revoked")])
    return client


def authenticate(uow: UnitOfWork, client_id: uuid.UUID, secret: str) -> ApiClient | None:
    """The active client with this id and secret, or ``None`` (compared in constant time)."""
    client = _detached(uow, client_id)
    if client is None or client.revoked_at is not None:
        # Spend the same time as a real comparison, so ids cannot be probed by timing.
        hmac.compare_digest(secret_digest(secret), secret_digest(""))
        return None
    return client if hmac.compare_digest(client.secret_hash, secret_digest(secret)) else None


def active_client(uow: UnitOfWork, client_id: uuid.UUID) -> ApiClient | None:
    """The client with this id unless it has been revoked."""
    client = _detached(uow, client_id)
    return client if client is not None and client.revoked_at is None else None


def clients(uow: UnitOfWork) -> list[ApiClient]:
    """Every client, oldest first."""
    return list(uow.session.execute(select(ApiClient).order_by(col(ApiClient.created_at))).scalars())


def _detached(uow: UnitOfWork, client_id: uuid.UUID) -> ApiClient | None:
    """The client, detached from the session so it stays readable after a read-only unit ends."""
    client = uow.session.get(ApiClient, client_id)
    if client is not None:
        uow.session.expunge(client)
    return client
