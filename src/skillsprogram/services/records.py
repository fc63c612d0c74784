"""What people and staff read about one application: its status, history, voucher,
purchases, entitlements, payouts and payment accounts.

Every staff read of a person's record is an audit event in the transaction of the
read (the caller commits it), so who looked at whom is always on the record.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.grievances import Grievance
from skillsprogram.domain.lifecycle import PurchaseStatus
from skillsprogram.domain.models import (
    Application,
    AuditEvent,
    EligibilityFinding,
    Entitlement,
    Household,
    PaymentAccount,
    Payout,
    Person,
    Purchase,
    Rating,
    Voucher,
    Wave,
)
from skillsprogram.errors import ApplicationNotFound, NotFound
from skillsprogram.services import ledger, listings
from skillsprogram.services.audit import Change, record
from skillsprogram.services.listings import CatalogueCourse
from skillsprogram.services.paging import keyset_page
from skillsprogram.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class PersonalValues:
    """A person's personal values in clear; interfaces mask them for roles that may not see them."""

    national_id: str
    household_number: str | None
    phone: str | None


@dataclass
class ApplicationProgress:
    """Where one application stands: its wave, voucher, findings, purchases and money (no
    personal value: what a timeline needs)."""

    application: Application
    wave_number: int | None
    voucher: Voucher | None = None
    voucher_balance: int | None = None
    findings: list[EligibilityFinding] = field(default_factory=list)
    purchases: list[Purchase] = field(default_factory=list)
    entitlements: list[Entitlement] = field(default_factory=list)
    payouts: list[Payout] = field(default_factory=list)


@dataclass
class ApplicationRecord(ApplicationProgress):
    """One application with the person behind it and where its money stands."""

    person: Person = field(kw_only=True)
    personal: PersonalValues = field(kw_only=True)
    accounts: list[tuple[PaymentAccount, str]] = field(default_factory=list)
    """Each account with its number in clear (mask before showing)."""


def application_in(uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID) -> Application:
    """The application ``application_id`` of this programme (else not found)."""
    application = uow.session.get(Application, application_id)
    if application is None or application.programme_id != ctx.pid:
        raise ApplicationNotFound(application_id)
    return application


def application_progress(
    uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID
) -> ApplicationProgress:
    """Where the application ``application_id`` of this programme stands (else not found);
    reads no personal value."""
    application = application_in(uow, ctx, application_id)
    wave = uow.session.get(Wave, application.wave_id) if application.wave_id else None
    progress = ApplicationProgress(application=application, wave_number=wave.number if wave else None)
    _read_progress(uow, progress)
    return progress


def _read_progress(uow: UnitOfWork, result: ApplicationProgress) -> None:
    application = result.application
    result.voucher = uow.session.execute(
        select(Voucher).where(col(Voucher.application_id) == application.id)
    ).scalar_one_or_none()
    if result.voucher is not None:
        result.voucher_balance = ledger.balance(uow, result.voucher.account_id)
    result.findings = list(
        uow.session.execute(
            select(EligibilityFinding)
            .where(col(EligibilityFinding.application_id) == application.id)
            .order_by(col(EligibilityFinding.id))
        ).scalars()
    )
    result.purchases = list(
        uow.session.execute(
            select(Purchase)
            .where(col(Purchase.application_id) == application.id)
            .order_by(col(Purchase.purchased_at))
        ).scalars()
    )
    result.entitlements = list(
        uow.session.execute(
            select(Entitlement)
            .where(col(Entitlement.application_id) == application.id)
            .order_by(col(Entitlement.earned_at), col(Entitlement.benefit), col(Entitlement.period))
        ).scalars()
    )
    result.payouts = list(
        uow.session.execute(
            select(Payout)
            .join(Entitlement, col(Entitlement.id) == col(Payout.entitlement_id))
            .where(col(Entitlement.application_id) == application.id)
            .order_by(col(Payout.created_at))
        ).scalars()
    )


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
    _read_progress(uow, result)
    result.accounts = [
        (account, ctx.vault.decrypt(account.number_enc))
        for account in uow.session.execute(
            select(PaymentAccount)
            .where(col(PaymentAccount.person_id) == person.id)
            .order_by(col(PaymentAccount.created_at))
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
            select(col(Purchase.id)).where(col(Purchase.application_id) == application.id)
        ).scalars()
    ]
    related += [
        str(gid)
        for gid in uow.session.execute(
            select(col(Grievance.id)).where(col(Grievance.application_id) == application.id)
        ).scalars()
    ]
    query = select(AuditEvent).where(
        col(AuditEvent.entity_id).in_(related),
        col(AuditEvent.action) != "record_viewed",
        or_(col(AuditEvent.programme_id) == ctx.pid, col(AuditEvent.programme_id).is_(None)),
    )
    return uow.session.execute(keyset_page(query, col(AuditEvent.id), after, limit)).scalars().all()


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


@dataclass(frozen=True, slots=True)
class PurchaseDetail:
    """A purchase as its buyer reads it: the course, and the rating once given."""

    purchase: Purchase
    course: CatalogueCourse
    rating: Rating | None

    @property
    def rateable(self) -> bool:
        """Whether the course is finished and not yet rated."""
        return self.purchase.status == PurchaseStatus.COMPLETED.value and self.rating is None


def purchase_detail(
    uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID, purchase_id: uuid.UUID
) -> PurchaseDetail:
    """The purchase ``purchase_id`` of ``application_id`` (of this programme) with its
    course and rating (a purchase of anyone else's is not found)."""
    application_in(uow, ctx, application_id)
    found = purchase_of(uow, application_id, purchase_id)
    return PurchaseDetail(
        found, listings.course(uow, found.course_id, on_sale=False), uow.session.get(Rating, found.id)
    )


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
    query = select(Purchase).where(col(Purchase.application_id) == application_id)
    return uow.session.execute(keyset_page(query, col(Purchase.id), after, limit)).scalars().all()


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
    query = select(PaymentAccount).where(col(PaymentAccount.person_id) == person_id)
    found = uow.session.execute(keyset_page(query, col(PaymentAccount.id), after, limit)).scalars()
    return [(account, ctx.vault.decrypt(account.number_enc)) for account in found]
