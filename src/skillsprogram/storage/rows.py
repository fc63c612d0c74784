"""The shapes of rows written in bulk (:meth:`UnitOfWork.insert_rows` and its kin).

Services build wave-sized inserts as plain mappings, one key per column, instead of
model instances (see :mod:`skillsprogram.storage.bulk`). Each shape here names the
columns one such insert writes, with the column's Python type, so that a misspelt or
mistyped column is caught by the type checker rather than by the database.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TypedDict


class LedgerAccountRow(TypedDict):
    """A new account of the double-entry ledger."""

    id: uuid.UUID
    programme_id: uuid.UUID
    kind: str
    owner_id: str
    currency: str
    may_go_negative: bool


class LedgerTransactionRow(TypedDict):
    """A new ledger transaction (its entries follow as :class:`LedgerEntryRow`)."""

    id: uuid.UUID
    programme_id: uuid.UUID
    kind: str
    reference: str
    created_at: datetime


class LedgerEntryRow(TypedDict):
    """One leg of a ledger transaction (its id is the database's identity)."""

    transaction_id: uuid.UUID
    account_id: uuid.UUID
    amount: int
    currency: str


class EntitlementRow(TypedDict):
    """A benefit instalment earned."""

    id: uuid.UUID
    programme_id: uuid.UUID
    application_id: uuid.UUID
    benefit: str
    period: int
    amount: int
    currency: str
    status: str
    reason: str | None
    earned_at: datetime
    due_at: datetime


class PayoutRow(TypedDict):
    """A payout scheduled for an earned entitlement."""

    id: uuid.UUID
    programme_id: uuid.UUID
    entitlement_id: uuid.UUID
    payment_account_id: uuid.UUID
    rail: str
    amount: int
    currency: str
    idempotency_key: str
    status: str
    attempts: int
    created_at: datetime
    updated_at: datetime
    next_attempt_at: datetime


class PayoutReviewRow(TypedDict):
    """A payout put in the review queue."""

    id: uuid.UUID
    programme_id: uuid.UUID
    payout_id: uuid.UUID
    reason: str
    opened_at: datetime
    resolved_at: datetime | None
    resolution: str | None


class EnvelopePayoutRow(TypedDict):
    """A payout carried by a disbursement envelope."""

    envelope_id: uuid.UUID
    payout_id: uuid.UUID


class RepaymentRow(TypedDict):
    """Money a revoked beneficiary paid back."""

    id: uuid.UUID
    programme_id: uuid.UUID
    application_id: uuid.UUID
    amount: int
    currency: str
    reference: str
    received_at: datetime
    ledger_transaction_id: uuid.UUID


class EmploymentOutcomeRow(TypedDict):
    """A graduate's situation at follow-up."""

    id: uuid.UUID
    application_id: uuid.UUID
    source: str
    status: str
    sector: str | None
    reported_at: datetime


class EventCursorRow(TypedDict):
    """How far a consumer has read the audit log."""

    consumer: str
    last_event_id: int
