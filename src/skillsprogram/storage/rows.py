"""The shapes of rows written in bulk (:meth:`UnitOfWork.insert_rows` and its kin).

Services build wave-sized inserts as plain mappings, one key per column, instead of
model instances (see :mod:`skillsprogram.storage.bulk`). Each shape here names the
columns one such insert writes, with the column's Python type, so that a misspelt or
mistyped column is caught by the type checker rather than by the database.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, TypedDict


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


class EligibilityFindingRow(TypedDict):
    """One eligibility finding (``eligibility_finding``)."""

    application_id: uuid.UUID
    rule: str
    passed: bool
    reason: str | None
    screened_at: datetime


class VoucherRow(TypedDict):
    """One voucher issued (``voucher``)."""

    id: uuid.UUID
    application_id: uuid.UUID
    account_id: uuid.UUID
    status: str
    issued_at: datetime
    first_purchase_deadline: datetime | None
    expires_at: datetime


class PurchaseRow(TypedDict):
    """One course bought with a voucher (``purchase``)."""

    id: uuid.UUID
    application_id: uuid.UUID
    voucher_id: uuid.UUID
    course_id: uuid.UUID
    price: int
    currency: str
    voucher_code: str
    redeem_code: str
    status: str
    purchased_at: datetime
    redeemed_at: datetime | None
    ledger_transaction_id: uuid.UUID | None


class HouseholdRow(TypedDict):
    """One household (family card) first met at registration (``household``)."""

    id: uuid.UUID
    number_hash: str
    number_enc: str
    region_code: str | None


class PersonRow(TypedDict):
    """One person first met at registration (``person``)."""

    id: uuid.UUID
    national_id_hash: str
    national_id_enc: str
    full_name: str
    birth_date: date
    sex: str
    phone_hash: str | None
    phone_enc: str | None
    email_hash: str | None
    email_enc: str | None
    locale: str | None
    household_id: uuid.UUID | None
    region_code: str
    created_at: datetime


class ApplicationRow(TypedDict):
    """One application registered (``application``)."""

    id: uuid.UUID
    programme_id: uuid.UUID
    person_id: uuid.UUID
    wave_id: uuid.UUID | None
    status: str
    region_code: str
    occupation: str | None
    in_education: bool
    attributes: dict[str, Any]
    registered_at: datetime
    status_changed_at: datetime
    consent_version: str | None
    consented_at: datetime | None


class RailNoticeRow(TypedDict):
    """One rail callback kept the first time its notice id is seen (``rail_notice``)."""

    programme_id: uuid.UUID
    rail: str
    notice_id: str
    idempotency_key: str
    status: str
    outcome: str
    received_at: datetime
    data: dict[str, Any]


class ProviderSettlementRow(TypedDict):
    """One provider settlement scheduled (``provider_settlement``)."""

    id: uuid.UUID
    programme_id: uuid.UUID
    provider_id: uuid.UUID
    provider_account_id: uuid.UUID
    rail: str
    amount: int
    currency: str
    enrolments: int
    idempotency_key: str
    status: str
    attempts: int
    created_at: datetime
    updated_at: datetime
    next_attempt_at: datetime


class SettlementItemRow(TypedDict):
    """One enrolment a settlement pays for (``settlement_item``)."""

    purchase_id: uuid.UUID
    settlement_id: uuid.UUID
    amount: int


class CompletionRow(TypedDict):
    """One course completed (``completion``)."""

    purchase_id: uuid.UUID
    completed_at: datetime
    certificate_number: str
    score: int | None


class RatingRow(TypedDict):
    """One course rated (``rating``)."""

    purchase_id: uuid.UUID
    stars: int
    comment: str | None
    rated_at: datetime


class AttendanceReportRow(TypedDict):
    """One month of attendance reported (``attendance_report``)."""

    purchase_id: uuid.UUID
    period: str
    attendance_percent: int
    reported_at: datetime


class SurveyResponseRow(TypedDict):
    """One survey answered (``survey_response``)."""

    id: uuid.UUID
    application_id: uuid.UUID
    survey: str
    answers: dict[str, Any]
    submitted_at: datetime
