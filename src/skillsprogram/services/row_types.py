"""The rows batch services insert in bulk (:meth:`UnitOfWork.insert_rows`), typed.

Each is a ``TypedDict`` whose keys are the columns of its table, so a misspelt or missing
column is a type error rather than a failed insert at run time.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, TypedDict


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
