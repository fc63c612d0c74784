"""Persisted records of money in motion beyond the core ledger (SQLModel tables).

Payouts that need a person to look at them, what the rails told us
asynchronously, imported statements and what they disagreed on, repayments of
claimed-back benefits and funded disbursement runs. Registered with the core
models by :mod:`skillsprogram.domain.models`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from skillsprogram.domain.types import BigIntPK, UTCDateTime, new_id


def _ts(nullable: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)


class PayoutReview(SQLModel, table=True):
    """A payout a person must look at: refused for good, or returned by the rail."""

    __tablename__ = "payout_review"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    programme_id: uuid.UUID = Field(foreign_key="programme.id", index=True)
    payout_id: uuid.UUID = Field(foreign_key="payout.id", index=True)
    reason: str
    opened_at: datetime = _ts()
    resolved_at: datetime | None = _ts(nullable=True)
    resolution: str | None = Field(default=None, sa_type=String(64))


class RailNotice(SQLModel, table=True):
    """A status message a rail sent on its own (a callback), kept once per notice id."""

    __tablename__ = "rail_notice"
    __table_args__ = (UniqueConstraint("programme_id", "rail", "notice_id", name="uq_rail_notice"),)

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    programme_id: uuid.UUID = Field(foreign_key="programme.id")
    rail: str = Field(sa_type=String(32))
    notice_id: str = Field(sa_type=String(128))
    idempotency_key: str = Field(sa_type=String(160))
    status: str = Field(sa_type=String(24))
    outcome: str = Field(sa_type=String(24))
    received_at: datetime = _ts()
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class RailStatement(SQLModel, table=True):
    """An imported rail statement; the same file is imported once."""

    __tablename__ = "rail_statement"
    __table_args__ = (UniqueConstraint("programme_id", "rail", "digest", name="uq_rail_statement"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    programme_id: uuid.UUID = Field(foreign_key="programme.id")
    rail: str = Field(sa_type=String(32))
    digest: str = Field(sa_type=String(64), description="SHA-256 of the file")
    since: datetime = _ts()
    until: datetime = _ts()
    lines: int
    matched: int
    imported_at: datetime = _ts()


class StatementDiscrepancy(SQLModel, table=True):
    """One disagreement between a rail statement and our payouts."""

    __tablename__ = "statement_discrepancy"

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    statement_id: uuid.UUID = Field(foreign_key="rail_statement.id", index=True)
    kind: str = Field(sa_type=String(24))
    line_number: int | None = None
    idempotency_key: str | None = Field(default=None, sa_type=String(160))
    payout_id: uuid.UUID | None = Field(default=None, foreign_key="payout.id")
    detail: str


class Repayment(SQLModel, table=True):
    """Money a revoked beneficiary paid back against their receivable."""

    __tablename__ = "repayment"
    __table_args__ = (UniqueConstraint("programme_id", "reference", name="uq_repayment_reference"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    programme_id: uuid.UUID = Field(foreign_key="programme.id")
    application_id: uuid.UUID = Field(foreign_key="application.id", index=True)
    amount: int = Field(sa_type=BigInteger)
    currency: str = Field(sa_type=String(3))
    reference: str = Field(sa_type=String(128))
    received_at: datetime = _ts()
    ledger_transaction_id: uuid.UUID = Field(foreign_key="ledger_transaction.id")


class DisbursementRun(SQLModel, table=True):
    """Payouts gathered for sending, funded (reserved at the rail or sponsor bank) first."""

    __tablename__ = "disbursement_run"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    programme_id: uuid.UUID = Field(foreign_key="programme.id", index=True)
    status: str = Field(sa_type=String(24))
    reason: str | None = None
    created_at: datetime = _ts()
    total: int = Field(default=0, sa_type=BigInteger)
    currency: str = Field(sa_type=String(3))


class DisbursementEnvelope(SQLModel, table=True):
    """One rail's share of a disbursement run, with its total and funding reservation."""

    __tablename__ = "disbursement_envelope"
    __table_args__ = (UniqueConstraint("run_id", "rail", name="uq_envelope_rail"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    run_id: uuid.UUID = Field(foreign_key="disbursement_run.id", index=True)
    rail: str = Field(sa_type=String(32))
    payouts: int
    total: int = Field(sa_type=BigInteger)
    currency: str = Field(sa_type=String(3))
    status: str = Field(sa_type=String(24))
    reservation: str | None = Field(default=None, sa_type=String(128))
    reason: str | None = None


class EnvelopePayout(SQLModel, table=True):
    """A payout carried by an envelope (a payout is in at most one funded envelope)."""

    __tablename__ = "envelope_payout"

    envelope_id: uuid.UUID = Field(foreign_key="disbursement_envelope.id", primary_key=True)
    payout_id: uuid.UUID = Field(foreign_key="payout.id", primary_key=True, index=True)
