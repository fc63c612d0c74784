"""Records behind the HTTP interface: API clients and their roles, idempotency records.

They live beside :mod:`skillsprogram.domain.models` (which imports them so that the
schema is one metadata) and follow its rules: opaque UUIDs, aware UTC timestamps,
secrets only as hashes or ciphertexts.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, Text
from sqlmodel import Field, SQLModel

from skillsprogram.domain.types import new_id, utc_timestamp


class ClientRole(StrEnum):
    """What an API client is: an organisation (key or signature) or a staff member (token)."""

    PLATFORM = "platform"
    PROVIDER = "provider"
    RAIL = "rail"
    OFFICER = "officer"
    AUDITOR = "auditor"
    ADMIN = "admin"
    MINISTER = "minister"


#: Roles whose clients exchange their secret for a bearer token (OAuth2 client credentials).
STAFF_ROLES = frozenset({ClientRole.OFFICER, ClientRole.AUDITOR, ClientRole.ADMIN, ClientRole.MINISTER})


class ApiClient(SQLModel, table=True):
    """An organisation or staff member allowed to call the API.

    The secret is shown once when the client is created; the database keeps its
    SHA-256 (to check keys) and a ciphertext (rails sign callbacks with it, so the
    server must be able to recompute the signature).
    """

    __tablename__ = "api_client"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    role: str = Field(sa_type=String(16))
    owner_code: str | None = Field(
        default=None, sa_type=String(64), description="The platform, provider or rail code"
    )
    name: str = Field(sa_type=String(128))
    secret_hash: str = Field(sa_type=String(64), unique=True)
    secret_enc: str
    created_at: datetime = utc_timestamp()
    revoked_at: datetime | None = utc_timestamp(nullable=True)


class IdempotencyRecord(SQLModel, table=True):
    """The first answer to a mutating request sent with an ``Idempotency-Key``.

    ``scope`` is a hash of the authenticated caller (its API client or application),
    so one caller's key never replays another caller's answer; ``fingerprint`` is a
    hash of the method, path, query and canonical body, so a key reused for a
    different request is refused.
    """

    __tablename__ = "idempotency_record"

    scope: str = Field(sa_type=String(64), primary_key=True)
    key: str = Field(sa_type=String(128), primary_key=True)
    fingerprint: str = Field(sa_type=String(64))
    state: str = Field(sa_type=String(16), description="running or done")
    status_code: int | None = None
    media_type: str | None = Field(default=None, sa_type=String(128))
    body: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = utc_timestamp()
    completed_at: datetime | None = utc_timestamp(nullable=True)


class SignInCode(SQLModel, table=True):
    """A one-time sign-in code sent to an applicant's contact.

    The code itself is never stored: ``code_hash`` is a keyed hash of the code bound to
    the row's id. A code works once, until ``expires_at``, and for at most the
    programme's ``max_attempts`` wrong tries.
    """

    __tablename__ = "sign_in_code"
    __table_args__ = (Index("ix_sign_in_code_application_issued", "application_id", "issued_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="application.id")
    code_hash: str = Field(sa_type=String(64))
    issued_at: datetime = utc_timestamp()
    expires_at: datetime = utc_timestamp()
    attempts: int = 0
    used_at: datetime | None = utc_timestamp(nullable=True)
