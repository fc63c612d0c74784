"""What people and staff read about one application: its status, history, voucher,
purchases, entitlements and payouts; and the staff look-up of a person by national id.

Every staff read of a person's record is an audit event in the transaction of the
read (the caller commits it), so who looked at whom is always on the record.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Select, or_, select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.grievances import Grievance
from skillsprogram.domain.models import (
    Application,
    AuditEvent,
    Course,
    EligibilityFinding,
    Entitlement,
    Household,
    PaymentAccount,
    Payout,
    Person,
    Platform,
    Purchase,
    TrainingProvider,
    Voucher,
    Wave,
)
from skillsprogram.errors import DomainError, NotFound
from skillsprogram.privacy import PersonalKind
from skillsprogram.services import ledger
from skillsprogram.services.audit import Change, record
from skillsprogram.storage.uow import UnitOfWork

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PersonalValues:
    """A person's personal values in clear; interfaces mask them for roles that may not see them."""

    national_id: str
    household_number: str | None
    phone: str | None


@dataclass
class ApplicationRecord:
    """One application with the person behind it and where its money stands."""

    application: Application
    person: Person
    wave_number: int | None
    personal: PersonalValues
    voucher: Voucher | None = None
    voucher_balance: int | None = None
    findings: list[EligibilityFinding] = field(default_factory=list)
    purchases: list[Purchase] = field(default_factory=list)
    entitlements: list[Entitlement] = field(default_factory=list)
    payouts: list[Payout] = field(default_factory=list)
    accounts: list[tuple[PaymentAccount, str]] = field(default_factory=list)
    """Each account with its number in clear (mask before showing)."""


def keyset_page(query: Select[T], key: Any, after: Any, limit: int) -> Select[T]:
    """``query`` narrowed to one page: the rows after key ``after`` (all when ``None``),
    in key order, at most ``limit``."""
    if after is not None:
        query = query.where(key > after)
    return query.order_by(key).limit(limit)


def application_in(uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID) -> Application:
    """The application ``application_id`` of this programme (else not found)."""
    application = uow.session.get(Application, application_id)
    if application is None or application.programme_id != ctx.pid:
        raise NotFound(f"no application {application_id} in this programme", code="application-not-found")
    return application


def application_record(
    uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID, *, audit_read: bool
) -> ApplicationRecord:
    """Everything about one application of this programme; ``audit_read`` records the read
    (staff reads), an applicant reading their own record is not audited."""
    application = application_in(uow, ctx, application_id)
    person = uow.session.get(Person, application.person_id)
    assert person is not None
    household = None
    if person.household_id is not None:
        row = uow.session.get(Household, person.household_id)
        household = ctx.vault.decrypt(row.number_enc) if row is not None else None
    wave = uow.session.get(Wave, application.wave_id) if application.wave_id else None
    result = ApplicationRecord(
        application=application,
        person=person,
        wave_number=wave.number if wave else None,
        personal=PersonalValues(
            national_id=ctx.vault.decrypt(person.national_id_enc),
            household_number=household,
            phone=ctx.vault.decrypt(person.phone_enc) if person.phone_enc else None,
        ),
    )
    result.voucher = uow.session.execute(
        select(Voucher).where(Voucher.application_id == application.id)
    ).scalar_one_or_none()
    if result.voucher is not None:
        result.voucher_balance = ledger.balance(uow, result.voucher.account_id)
    result.findings = list(
        uow.session.execute(
            select(EligibilityFinding)
            .where(EligibilityFinding.application_id == application.id)
            .order_by(EligibilityFinding.id)
        ).scalars()
    )
    result.purchases = list(
        uow.session.execute(
            select(Purchase).where(Purchase.application_id == application.id).order_by(Purchase.purchased_at)
        ).scalars()
    )
    result.entitlements = list(
        uow.session.execute(
            select(Entitlement)
            .where(Entitlement.application_id == application.id)
            .order_by(Entitlement.earned_at, Entitlement.benefit, Entitlement.period)
        ).scalars()
    )
    result.payouts = list(
        uow.session.execute(
            select(Payout)
            .join(Entitlement, Entitlement.id == Payout.entitlement_id)
            .where(Entitlement.application_id == application.id)
            .order_by(Payout.created_at)
        ).scalars()
    )
    result.accounts = [
        (account, ctx.vault.decrypt(account.number_enc))
        for account in uow.session.execute(
            select(PaymentAccount)
            .where(PaymentAccount.person_id == person.id)
            .order_by(PaymentAccount.created_at)
        ).scalars()
    ]
    if audit_read:
        note_read(uow, ctx, application.id, "record")
    return result


def note_read(uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID, view: str) -> None:
    """Audit a staff read of (part of) an application's record; not found if there is none."""
    application = application_in(uow, ctx, application_id)
    record(
        uow,
        ctx,
        [
            Change(
                "application",
                application.id,
                "record_viewed",
                data={"person_id": str(application.person_id), "view": view},
            )
        ],
    )


def timeline(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    application_id: uuid.UUID,
    after: int | None = None,
    limit: int = 50,
) -> Sequence[AuditEvent]:
    """The audit events about one application and its purchases and complaints, oldest
    first (keyset pages after event id ``after``). Staff reads are excluded."""
    application = application_in(uow, ctx, application_id)
    related = [str(application.id)]
    related += [
        str(pid)
        for pid in uow.session.execute(
            select(Purchase.id).where(Purchase.application_id == application.id)
        ).scalars()
    ]
    related += [
        str(gid)
        for gid in uow.session.execute(
            select(Grievance.id).where(Grievance.application_id == application.id)
        ).scalars()
    ]
    query = select(AuditEvent).where(
        AuditEvent.entity_id.in_(related),
        AuditEvent.action != "record_viewed",
        or_(AuditEvent.programme_id == ctx.pid, AuditEvent.programme_id.is_(None)),
    )
    return uow.session.execute(keyset_page(query, AuditEvent.id, after, limit)).scalars().all()


@dataclass(frozen=True, slots=True)
class PersonMatch:
    """A person found by a staff look-up, with their applications in this programme."""

    person: Person
    national_id: str
    applications: list[Application]


def look_up_person(uow: UnitOfWork, ctx: ProgrammeContext, national_id: str, reason: str) -> PersonMatch:
    """Find a person by national id (the call centre's look-up); the look-up and its reason
    are audited, whether or not anyone is found."""
    try:
        parsed = ctx.hook.skillsprogram_parse_national_id(raw=national_id, programme=ctx.config)
    except DomainError:
        parsed = None  # a malformed number belongs to nobody: the look-up finds no one
    normalised = parsed.normalised if parsed is not None else "".join(national_id.split())
    digest = ctx.vault.digest(PersonalKind.NATIONAL_ID, normalised)
    person = uow.session.execute(select(Person).where(Person.national_id_hash == digest)).scalar_one_or_none()
    record(
        uow,
        ctx,
        [
            Change(
                "person",
                person.id if person else f"lookup:{digest[:16]}",
                "person_looked_up",
                data={"found": person is not None, "reason": reason},
            )
        ],
    )
    if person is None:
        raise NotFound("no person with this national id", code="person-not-found")
    applications = list(
        uow.session.execute(
            select(Application).where(Application.person_id == person.id, Application.programme_id == ctx.pid)
        ).scalars()
    )
    return PersonMatch(person, normalised, applications)


def applications(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    *,
    status: str | None = None,
    wave_number: int | None = None,
    region_code: str | None = None,
    after: uuid.UUID | None = None,
    limit: int = 50,
) -> Sequence[Application]:
    """Applications of this programme in id order (keyset pages after ``after``), filtered
    by status, wave and region (a region code matches its sub-regions too)."""
    query = select(Application).where(Application.programme_id == ctx.pid)
    if status is not None:
        query = query.where(Application.status == status)
    if wave_number is not None:
        query = query.join(Wave, Wave.id == Application.wave_id).where(Wave.number == wave_number)
    if region_code is not None:
        query = query.where(
            or_(
                Application.region_code == region_code,
                col(Application.region_code).startswith(region_code + ".", autoescape=True),
            )
        )
    return uow.session.execute(keyset_page(query, Application.id, after, limit)).scalars().all()


def audit_events(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
    actor: str | None = None,
    after: int | None = None,
    limit: int = 100,
) -> Sequence[AuditEvent]:
    """The audit log of this programme (and deployment-wide events), oldest first."""
    query = select(AuditEvent).where(
        or_(AuditEvent.programme_id == ctx.pid, AuditEvent.programme_id.is_(None))
    )
    for column, value in (
        (AuditEvent.entity, entity),
        (AuditEvent.entity_id, entity_id),
        (AuditEvent.action, action),
        (AuditEvent.actor, actor),
    ):
        if value is not None:
            query = query.where(column == value)
    return uow.session.execute(keyset_page(query, AuditEvent.id, after, limit)).scalars().all()


@dataclass(frozen=True, slots=True)
class LedgerVerification:
    """The ledger's self-check: every transaction sums to zero, no account is overdrawn."""

    unbalanced_transactions: list[uuid.UUID]
    overdrawn_accounts: list[uuid.UUID]
    totals: dict[tuple[str, str], int]

    @property
    def balanced(self) -> bool:
        """True when the ledger proves every balance."""
        return not self.unbalanced_transactions and not self.overdrawn_accounts


def verify_ledger(uow: UnitOfWork, ctx: ProgrammeContext) -> LedgerVerification:
    """Check the programme's whole ledger; the check itself is audited."""
    result = LedgerVerification(
        unbalanced_transactions=ledger.unbalanced_transactions(uow, ctx),
        overdrawn_accounts=ledger.overdrawn_accounts(uow, ctx),
        totals=ledger.totals_by_kind(uow, ctx),
    )
    record(
        uow,
        ctx,
        [
            Change(
                "ledger",
                "programme",
                "ledger_verified",
                data={
                    "balanced": result.balanced,
                    "unbalanced": len(result.unbalanced_transactions),
                    "overdrawn": len(result.overdrawn_accounts),
                },
            )
        ],
    )
    return result


@dataclass(frozen=True, slots=True)
class CatalogueCourse:
    """A course on sale with who teaches it and where it is sold."""

    course: Course
    provider: TrainingProvider
    platform: Platform

    @property
    def id(self) -> uuid.UUID:
        """The course's id (the catalogue's page key)."""
        return self.course.id


def courses(
    uow: UnitOfWork,
    *,
    mode: str | None = None,
    field_of_study: str | None = None,
    provider_code: str | None = None,
    max_price: int | None = None,
    after: uuid.UUID | None = None,
    limit: int = 50,
) -> list[CatalogueCourse]:
    """Active courses in id order (keyset pages after ``after``), filtered, each with its
    provider and platform."""
    query = (
        select(Course, TrainingProvider, Platform)
        .join(TrainingProvider, TrainingProvider.id == Course.provider_id)
        .join(Platform, Platform.id == Course.platform_id)
        .where(Course.active.is_(True))
    )
    if mode is not None:
        query = query.where(Course.mode == mode)
    if field_of_study is not None:
        query = query.where(Course.field_of_study == field_of_study)
    if provider_code is not None:
        query = query.where(TrainingProvider.code == provider_code)
    if max_price is not None:
        query = query.where(Course.price <= max_price)
    rows = uow.session.execute(keyset_page(query, Course.id, after, limit)).all()
    return [CatalogueCourse(course, provider, platform) for course, provider, platform in rows]


def waves_of(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    *,
    status: str | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Sequence[Wave]:
    """The programme's waves in order (pages after wave number ``after``), by status."""
    query = select(Wave).where(Wave.programme_id == ctx.pid)
    if status is not None:
        query = query.where(Wave.status == status)
    return uow.session.execute(keyset_page(query, Wave.number, after, limit)).scalars().all()


def may_sign_in(uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID) -> bool:
    """Whether the applicant of ``application_id`` may still get tokens: the application
    exists in this programme and has not been revoked."""
    application = uow.session.get(Application, application_id)
    return application is not None and application.programme_id == ctx.pid and application.status != "revoked"


def purchase_of(uow: UnitOfWork, application_id: uuid.UUID, purchase_id: uuid.UUID) -> Purchase:
    """The purchase ``purchase_id`` if it belongs to ``application_id`` (else not found)."""
    found = uow.session.get(Purchase, purchase_id)
    if found is None or found.application_id != application_id:
        raise NotFound(f"no purchase {purchase_id} of this application", code="purchase-not-found")
    return found


def purchases(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    application_id: uuid.UUID,
    *,
    after: uuid.UUID | None = None,
    limit: int = 50,
) -> Sequence[Purchase]:
    """The application's purchases, oldest first (keyset pages after ``after``)."""
    application_in(uow, ctx, application_id)
    query = select(Purchase).where(Purchase.application_id == application_id)
    return uow.session.execute(keyset_page(query, Purchase.id, after, limit)).scalars().all()


def payment_accounts(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    application_id: uuid.UUID,
    *,
    after: uuid.UUID | None = None,
    limit: int = 50,
) -> list[tuple[PaymentAccount, str]]:
    """The payment accounts of the application's person, oldest first (keyset pages after
    ``after``), each with its number in clear (mask before showing)."""
    person_id = application_in(uow, ctx, application_id).person_id
    query = select(PaymentAccount).where(PaymentAccount.person_id == person_id)
    found = uow.session.execute(keyset_page(query, PaymentAccount.id, after, limit)).scalars()
    return [(account, ctx.vault.decrypt(account.number_enc)) for account in found]


def wave_numbers(uow: UnitOfWork, ctx: ProgrammeContext) -> dict[uuid.UUID, int]:
    """Each wave's number by its id (a programme has a few dozen waves at most)."""
    rows = uow.session.execute(select(Wave.id, Wave.number).where(Wave.programme_id == ctx.pid))
    return {wave_id: number for wave_id, number in rows}
