"""Persisted records (SQLModel tables). No I/O here: services load and save them.

Personal values are never stored in clear: ``*_hash`` columns hold keyed
hashes for look-ups and uniqueness, ``*_enc`` columns AES-GCM ciphertexts (see
:mod:`skillsprogram.privacy`). Public identifiers are random UUIDs; the only
integer keys are internal (ledger entries, audit events).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from skillsprogram.domain.lifecycle import CLAIMABLE
from skillsprogram.domain.types import BigIntPK, UTCDateTime, new_id


def _ts(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def _status(default: str) -> Any:
    return Field(default=default, sa_type=String(24), index=False)


# --- programmes and geography -------------------------------------------------------------


class Programme(SQLModel, table=True):
    """A scheme run by a deployment; its configuration is frozen in ``config``."""

    __tablename__ = "programme"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    code: str = Field(sa_type=String(64), unique=True)
    name: str
    currency: str = Field(sa_type=String(3))
    config: dict[str, Any] = Field(sa_type=JSON)
    config_fingerprint: str = Field(sa_type=String(64))
    started_at: datetime = _ts()


class Region(SQLModel, table=True):
    """An administrative area; codes are hierarchical ("32" province, "32.04" regency)."""

    __tablename__ = "region"

    code: str = Field(sa_type=String(32), primary_key=True)
    name: str
    level: int
    parent_code: str | None = Field(default=None, sa_type=String(32), index=True)
    tags: list[str] = Field(default_factory=list, sa_type=JSON)


# --- people ---------------------------------------------------------------------------------


class Household(SQLModel, table=True):
    """A household as the civil registry knows it (a family card, a household equity card)."""

    __tablename__ = "household"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    number_hash: str = Field(sa_type=String(64), unique=True)
    number_enc: str
    region_code: str | None = Field(default=None, sa_type=String(32))


class Person(SQLModel, table=True):
    """One human being, one row across every programme of the deployment."""

    __tablename__ = "person"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    national_id_hash: str = Field(sa_type=String(64), unique=True)
    national_id_enc: str
    full_name: str
    birth_date: date
    sex: str = Field(sa_type=String(1))
    phone_hash: str | None = Field(default=None, sa_type=String(64), index=True)
    phone_enc: str | None = None
    email_hash: str | None = Field(default=None, sa_type=String(64), index=True)
    email_enc: str | None = None
    locale: str | None = Field(default=None, sa_type=String(16), description="The language chosen")
    household_id: uuid.UUID | None = Field(default=None, foreign_key="household.id", index=True)
    region_code: str = Field(sa_type=String(32), index=True)
    created_at: datetime = _ts()


class Application(SQLModel, table=True):
    """A person's application to one programme, and where it stands in the lifecycle."""

    __tablename__ = "application"
    __table_args__ = (
        UniqueConstraint("programme_id", "person_id", name="uq_application_person"),
        Index("ix_application_programme_status", "programme_id", "status", "id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    programme_id: uuid.UUID = Field(foreign_key="programme.id")
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    wave_id: uuid.UUID | None = Field(default=None, foreign_key="wave.id")
    status: str = _status("registered")
    region_code: str = Field(sa_type=String(32))
    occupation: str | None = Field(default=None, sa_type=String(64))
    in_education: bool = False
    attributes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    registered_at: datetime = _ts()
    status_changed_at: datetime = _ts()
    consent_version: str | None = Field(default=None, sa_type=String(32))
    consented_at: datetime | None = _ts(nullable=True)


class EligibilityFinding(SQLModel, table=True):
    """What one eligibility rule found about one application at one screening."""

    __tablename__ = "eligibility_finding"

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="application.id", index=True)
    rule: str = Field(sa_type=String(64))
    passed: bool
    reason: str | None = None
    screened_at: datetime = _ts()


# --- waves ----------------------------------------------------------------------------------


class Wave(SQLModel, table=True):
    """A registration window and draw ("gelombang"), with quotas per region."""

    __tablename__ = "wave"
    __table_args__ = (UniqueConstraint("programme_id", "number", name="uq_wave_number"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    programme_id: uuid.UUID = Field(foreign_key="programme.id")
    number: int
    status: str = _status("open")
    opens_at: datetime = _ts()
    closes_at: datetime = _ts()
    seed: str | None = Field(default=None, sa_type=String(128))
    drawn_at: datetime | None = _ts(nullable=True)


class WaveQuota(SQLModel, table=True):
    """How many people a wave may select in one region."""

    __tablename__ = "wave_quota"

    wave_id: uuid.UUID = Field(foreign_key="wave.id", primary_key=True)
    region_code: str = Field(sa_type=String(32), primary_key=True)
    quota: int = Field(ge=0)
    selected: int = 0


# --- ledger ---------------------------------------------------------------------------------


class LedgerAccount(SQLModel, table=True):
    """An account of the double-entry ledger; its balance is the sum of its entries."""

    __tablename__ = "ledger_account"
    __table_args__ = (
        UniqueConstraint("programme_id", "kind", "owner_id", "currency", name="uq_ledger_account"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    programme_id: uuid.UUID = Field(foreign_key="programme.id")
    kind: str = Field(sa_type=String(32))
    owner_id: str = Field(sa_type=String(64), description="What the account belongs to")
    currency: str = Field(sa_type=String(3))
    may_go_negative: bool = False


class LedgerTransaction(SQLModel, table=True):
    """A movement of money: entries that sum to zero per currency."""

    __tablename__ = "ledger_transaction"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    programme_id: uuid.UUID = Field(foreign_key="programme.id")
    kind: str = Field(sa_type=String(32))
    reference: str = Field(sa_type=String(128), index=True)
    created_at: datetime = _ts()


class LedgerEntry(SQLModel, table=True):
    """One leg of a transaction: a signed amount on one account."""

    __tablename__ = "ledger_entry"

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    transaction_id: uuid.UUID = Field(foreign_key="ledger_transaction.id", index=True)
    account_id: uuid.UUID = Field(foreign_key="ledger_account.id", index=True)
    amount: int = Field(sa_type=BigInteger)
    currency: str = Field(sa_type=String(3))


# --- vouchers and training ------------------------------------------------------------------


class Voucher(SQLModel, table=True):
    """A beneficiary's training balance, held on a ledger account."""

    __tablename__ = "voucher"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="application.id", unique=True)
    account_id: uuid.UUID = Field(foreign_key="ledger_account.id")
    status: str = _status("active")
    issued_at: datetime = _ts()
    first_purchase_deadline: datetime | None = _ts(nullable=True)
    expires_at: datetime = _ts()


class Platform(SQLModel, table=True):
    """A digital platform that sells courses (a marketplace or a ministry portal)."""

    __tablename__ = "platform"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    code: str = Field(sa_type=String(64), unique=True)
    name: str


class TrainingProvider(SQLModel, table=True):
    """An accredited institution that delivers courses and reports completions."""

    __tablename__ = "training_provider"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    code: str = Field(sa_type=String(64), unique=True)
    name: str
    accreditation: str | None = None
    region_code: str | None = Field(default=None, sa_type=String(32))


class Course(SQLModel, table=True):
    """A course on sale: online, offline (in person) or hybrid, at a price in minor units."""

    __tablename__ = "course"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    provider_id: uuid.UUID = Field(foreign_key="training_provider.id", index=True)
    platform_id: uuid.UUID = Field(foreign_key="platform.id", index=True)
    code: str = Field(sa_type=String(64), unique=True)
    title: str
    field_of_study: str = Field(sa_type=String(64))
    mode: str = Field(sa_type=String(8))
    price: int = Field(sa_type=BigInteger, ge=0)
    currency: str = Field(sa_type=String(3))
    duration_days: int = Field(default=30, ge=1)
    active: bool = True
    description: str | None = Field(default=None, sa_type=Text)
    """What the course teaches, as its provider describes it (the catalogue searches it)."""


class Purchase(SQLModel, table=True):
    """A course bought with a voucher: a voucher code from the platform, a redeem code
    at the provider, then a completion."""

    __tablename__ = "purchase"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="application.id", index=True)
    voucher_id: uuid.UUID = Field(foreign_key="voucher.id", index=True)
    course_id: uuid.UUID = Field(foreign_key="course.id")
    price: int = Field(sa_type=BigInteger)
    currency: str = Field(sa_type=String(3))
    voucher_code: str = Field(sa_type=String(32), unique=True)
    redeem_code: str = Field(sa_type=String(32), unique=True)
    status: str = _status("purchased")
    purchased_at: datetime = _ts()
    redeemed_at: datetime | None = _ts(nullable=True)
    ledger_transaction_id: uuid.UUID | None = Field(default=None, foreign_key="ledger_transaction.id")


class Completion(SQLModel, table=True):
    """A provider's report that a course was finished, with its certificate."""

    __tablename__ = "completion"

    purchase_id: uuid.UUID = Field(foreign_key="purchase.id", primary_key=True)
    completed_at: datetime = _ts()
    certificate_number: str = Field(sa_type=String(64), unique=True)
    score: int | None = Field(default=None, ge=0, le=100)


class Rating(SQLModel, table=True):
    """The beneficiary's rating of a completed course (1 to 5 stars)."""

    __tablename__ = "rating"

    purchase_id: uuid.UUID = Field(foreign_key="purchase.id", primary_key=True)
    stars: int = Field(ge=1, le=5)
    comment: str | None = None
    rated_at: datetime = _ts()


class AttendanceReport(SQLModel, table=True):
    """A provider's monthly attendance figure for one enrolment."""

    __tablename__ = "attendance_report"

    purchase_id: uuid.UUID = Field(foreign_key="purchase.id", primary_key=True)
    period: str = Field(sa_type=String(7), primary_key=True, description="YYYY-MM")
    attendance_percent: int = Field(ge=0, le=100)
    reported_at: datetime = _ts()


# --- benefits and payouts -------------------------------------------------------------------


class Entitlement(SQLModel, table=True):
    """One benefit instalment earned by a beneficiary, keyed by (beneficiary, benefit, period)."""

    __tablename__ = "entitlement"
    __table_args__ = (UniqueConstraint("application_id", "benefit", "period", name="uq_entitlement_key"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    programme_id: uuid.UUID = Field(foreign_key="programme.id", index=True)
    application_id: uuid.UUID = Field(foreign_key="application.id", index=True)
    benefit: str = Field(sa_type=String(64))
    period: int
    amount: int = Field(sa_type=BigInteger)
    currency: str = Field(sa_type=String(3))
    status: str = _status("earned")
    reason: str | None = None
    earned_at: datetime = _ts()
    due_at: datetime = _ts()


class PaymentAccount(SQLModel, table=True):
    """An e-wallet or bank account where a person receives payments."""

    __tablename__ = "payment_account"
    __table_args__ = (UniqueConstraint("rail", "number_hash", name="uq_payment_account_number"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    rail: str = Field(sa_type=String(32))
    number_hash: str = Field(sa_type=String(64))
    number_enc: str
    holder_name: str
    status: str = _status("unverified")
    status_reason: str | None = None
    verified_at: datetime | None = _ts(nullable=True)
    created_at: datetime = _ts()
    chosen_at: datetime | None = _ts(nullable=True)
    """When the person chose this account to be paid into (of their verified ones, the
    chosen one is paid; with none chosen, any verified one)."""


class SentTransfer(SQLModel):
    """What every transfer sent through a payment rail carries (a payout to a beneficiary,
    a settlement to a provider): how much, where, under which idempotency key (it is
    sent at most once per key), and how its sending stands."""

    rail: str = Field(sa_type=String(32))
    amount: int = Field(sa_type=BigInteger)
    currency: str = Field(sa_type=String(3))
    idempotency_key: str = Field(sa_type=String(160), unique=True)
    status: str = _status("scheduled")
    attempts: int = 0
    rail_reference: str | None = Field(default=None, sa_type=String(128))
    last_error: str | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    next_attempt_at: datetime = _ts()


def due_index(table: str) -> Index:
    """The index workers claim ``table``'s transfers through: only the claimable ones, in
    the order they are claimed (longest due first), so a claim reads the rows it takes
    instead of sorting every due transfer. Claims name the statuses literally, so that
    both databases see the index's condition in the query."""
    claimable = text("status IN ({})".format(", ".join(f"'{status}'" for status in CLAIMABLE)))
    return Index(
        f"ix_{table}_due", "next_attempt_at", "id", postgresql_where=claimable, sqlite_where=claimable
    )


class Payout(SentTransfer, table=True):
    """An entitlement on its way to a payment account through a rail."""

    __tablename__ = "payout"
    __table_args__ = (due_index("payout"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    programme_id: uuid.UUID = Field(foreign_key="programme.id")
    entitlement_id: uuid.UUID = Field(foreign_key="entitlement.id", unique=True)
    payment_account_id: uuid.UUID = Field(foreign_key="payment_account.id")


# --- surveys --------------------------------------------------------------------------------


class SurveyResponse(SQLModel, table=True):
    """A beneficiary's answers to one of the programme's configured surveys."""

    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("application_id", "survey", name="uq_survey_once"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="application.id", index=True)
    survey: str = Field(sa_type=String(64))
    answers: dict[str, Any] = Field(sa_type=JSON)
    submitted_at: datetime = _ts()


# --- audit ----------------------------------------------------------------------------------


class AuditEvent(SQLModel, table=True):
    """Append-only record of every state change; also the outbox lifecycle hooks read from."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    occurred_at: datetime = _ts()
    programme_id: uuid.UUID | None = Field(default=None, foreign_key="programme.id")
    actor: str = Field(sa_type=String(64))
    entity: str = Field(sa_type=String(32))
    entity_id: str = Field(sa_type=String(64), index=True)
    action: str = Field(sa_type=String(48))
    from_status: str | None = Field(default=None, sa_type=String(24))
    to_status: str | None = Field(default=None, sa_type=String(24))
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class EventCursor(SQLModel, table=True):
    """How far a consumer (the lifecycle hook dispatcher) has read the audit log."""

    __tablename__ = "event_cursor"

    consumer: str = Field(sa_type=String(64), primary_key=True)
    last_event_id: int = Field(default=0, sa_type=BigInteger)


# --- tables defined in their own modules, imported here so that everything that loads the
# models (alembic, the tests that compare models and migrations) sees one metadata ---------
# payout reviews, rail notices, statements, repayments and disbursement runs
# provider settlements and employment outcomes
# API clients, idempotency records and grievances

from skillsprogram.domain import payments as _payments  # noqa: E402, F401
from skillsprogram.domain import report_models as _report_models  # noqa: E402, F401
from skillsprogram.domain import settlement_models  # noqa: E402, F401
from skillsprogram.domain.access import ApiClient as ApiClient  # noqa: E402
from skillsprogram.domain.access import IdempotencyRecord as IdempotencyRecord  # noqa: E402
from skillsprogram.domain.access import SignInCode as SignInCode  # noqa: E402
from skillsprogram.domain.grievances import Grievance as Grievance  # noqa: E402
