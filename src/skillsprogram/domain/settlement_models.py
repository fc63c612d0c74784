"""Persisted records of paying training providers and of what graduates did next.

A programme that pays tuition to the provider (rather than a voucher the
beneficiary spends on a marketplace that collects for the provider) settles
what it owes each provider through a payment rail; and programmes that follow
their graduates into work record employment outcomes.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from skillsprogram.domain.models import SentTransfer, due_index
from skillsprogram.domain.types import UTCDateTime, new_id


def _ts(nullable: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)


class ProviderAccount(SQLModel, table=True):
    """The account a training provider is paid on (an institution's account, not personal data)."""

    __tablename__ = "provider_account"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    provider_id: uuid.UUID = Field(foreign_key="training_provider.id", unique=True)
    rail: str = Field(sa_type=String(32))
    account_number: str = Field(sa_type=String(64))
    holder_name: str
    status: str = Field(default="unverified", sa_type=String(24))
    status_reason: str | None = None
    created_at: datetime = _ts()
    verified_at: datetime | None = _ts(nullable=True)


class ProviderSettlement(SentTransfer, table=True):
    """One transfer of what the programme owes a provider, sent at most once per idempotency key."""

    __tablename__ = "provider_settlement"
    __table_args__ = (due_index("provider_settlement"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    programme_id: uuid.UUID = Field(foreign_key="programme.id")
    provider_id: uuid.UUID = Field(foreign_key="training_provider.id", index=True)
    provider_account_id: uuid.UUID = Field(foreign_key="provider_account.id")
    enrolments: int = 0


class SettlementItem(SQLModel, table=True):
    """A purchase (enrolment) paid to its provider by a settlement: each is settled once."""

    __tablename__ = "settlement_item"

    purchase_id: uuid.UUID = Field(foreign_key="purchase.id", primary_key=True)
    settlement_id: uuid.UUID = Field(foreign_key="provider_settlement.id", index=True)
    amount: int = Field(sa_type=BigInteger)


class EmploymentOutcome(SQLModel, table=True):
    """What a graduate was doing when followed up, from a tracer survey or the provider."""

    __tablename__ = "employment_outcome"
    __table_args__ = (UniqueConstraint("application_id", "source", name="uq_employment_source"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="application.id", index=True)
    source: str = Field(sa_type=String(24))
    status: str = Field(sa_type=String(24))
    sector: str | None = Field(default=None, sa_type=String(64))
    reported_at: datetime = _ts()
