"""Records behind the HTTP interface and the complaints desk: API clients, idempotency
records and grievances.

They live beside :mod:`skillsprogram.domain.models` (which imports them so that the
schema is one metadata) and follow its rules: opaque UUIDs, aware UTC timestamps,
secrets only as hashes or ciphertexts.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, Text
from sqlmodel import Field, SQLModel

from skillsprogram.domain.types import UTCDateTime, new_id


def _ts(nullable: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)


class ClientRole(StrEnum):
    """What an API client is: an organisation (key or signature) or a staff member (token)."""

    PLATFORM = "platform"
    PROVIDER = "provider"
    RAIL = "rail"
    OFFICER = "officer"
    AUDITOR = "auditor"
    ADMIN = "admin"


#: Roles whose clients exchange their secret for a bearer token (OAuth2 client credentials).
STAFF_ROLES = frozenset({ClientRole.OFFICER, ClientRole.AUDITOR, ClientRole.ADMIN})


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
    created_at: datetime = _ts()
    revoked_at: datetime | None = _ts(nullable=True)


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
    created_at: datetime = _ts()
    completed_at: datetime | None = _ts(nullable=True)


class GrievanceStatus(StrEnum):
    """A complaint's progress: filed, taken up by an officer, then answered."""

    OPEN = "open"
    IN_REVIEW = "in_review"
    RESOLVED = "resolved"
    REJECTED = "rejected"


class GrievanceCategory(StrEnum):
    """What a complaint is about."""

    REGISTRATION = "registration"
    IDENTITY = "identity"
    ELIGIBILITY = "eligibility"
    SELECTION = "selection"
    VOUCHER = "voucher"
    TRAINING = "training"
    PAYMENT = "payment"
    OTHER = "other"


class Grievance(SQLModel, table=True):
    """An applicant's complaint and its handling by the programme's officers."""

    __tablename__ = "grievance"
    __table_args__ = (Index("ix_grievance_programme_status", "programme_id", "status", "id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    programme_id: uuid.UUID = Field(foreign_key="programme.id")
    application_id: uuid.UUID = Field(foreign_key="application.id", index=True)
    category: str = Field(sa_type=String(24))
    subject: str = Field(sa_type=String(200))
    description: str = Field(sa_type=Text)
    status: str = Field(default=GrievanceStatus.OPEN.value, sa_type=String(24))
    handled_by: str | None = Field(default=None, sa_type=String(64))
    resolution: str | None = Field(default=None, sa_type=Text)
    filed_at: datetime = _ts()
    updated_at: datetime = _ts()
