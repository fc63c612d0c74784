"""Grievances: an applicant's complaint and its handling by the programme's officers.

Beside :mod:`skillsprogram.domain.models` (which imports the table so that the schema is
one metadata), on its rules: opaque UUIDs, aware UTC timestamps.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, Text
from sqlmodel import Field, SQLModel

from skillsprogram.domain.types import new_id, utc_timestamp


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
    filed_at: datetime = utc_timestamp()
    updated_at: datetime = utc_timestamp()
