"""Training vouchers: issue to the selected, spend on courses, forfeit when unused."""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, select, update
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.ledger import AccountKind, transfer
from skillsprogram.domain.lifecycle import ApplicationStatus, PurchaseStatus, VoucherStatus
from skillsprogram.domain.models import Application, Course, LedgerEntry, LedgerTransaction, Purchase, Voucher
from skillsprogram.domain.types import new_id
from skillsprogram.errors import (
    ApplicationNotFound,
    DeadlinePassed,
    DomainError,
    InsufficientBalance,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from skillsprogram.services import ledger, voucher_holds
from skillsprogram.services.audit import Change, record
from skillsprogram.services.batches import Progress, for_each_chunk
from skillsprogram.services.outcomes import Outcome, single
from skillsprogram.services.records import application_in
from skillsprogram.services.transitions import Move, load_applications, move_many
from skillsprogram.storage.rows import PurchaseRow, VoucherRow
from skillsprogram.storage.uow import UnitOfWork

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are read aloud
#: Base32 spells 5 random bits per symbol; re-spelt in the 32 symbols of CODE_ALPHABET.
_BASE32_TO_CODE = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", CODE_ALPHABET)


def new_code(length: int = 12) -> str:
    """A random, unguessable code people can read out on the phone (5 random bits a symbol)."""
    random_bytes = secrets.token_bytes((length * 5 + 7) // 8)
    return base64.b32encode(random_bytes).decode("ascii")[:length].translate(_BASE32_TO_CODE)


def issue_vouchers(ctx: ProgrammeContext, chunk: int = 1_000, progress: Progress | None = None) -> int:
    """Give every selected applicant a voucher funded from the programme budget."""
    query = select(col(Application.id), col(Application.person_id)).where(
        col(Application.programme_id) == ctx.pid,
        col(Application.status) == ApplicationStatus.SELECTED.value,
    )
    rules = ctx.config.voucher

    def handle(uow: UnitOfWork, rows: Sequence[Row[*tuple[Any, ...]]]) -> int:
        now = ctx.clock.now()
        budget = ledger.budget_account(uow, ctx)
        voucher_ids = {row.id: new_id() for row in rows}
        accounts = ledger.accounts(uow, ctx, AccountKind.VOUCHER, [str(v) for v in voucher_ids.values()])
        deadline = now + timedelta(days=rules.first_purchase_days) if rules.first_purchase_days else None
        uow.insert_rows(
            Voucher,
            [
                VoucherRow(
                    id=voucher_id,
                    application_id=app_id,
                    account_id=accounts[str(voucher_id)],
                    status=VoucherStatus.ACTIVE.value,
                    issued_at=now,
                    first_purchase_deadline=deadline,
                    expires_at=now + timedelta(days=rules.valid_days),
                )
                for app_id, voucher_id in voucher_ids.items()
            ],
        )
        ledger.post(
            uow,
            ctx,
            [
                transfer(
                    "voucher_issue",
                    f"voucher:{voucher_id}",
                    budget,
                    accounts[str(voucher_id)],
                    rules.amount,
                    ctx.config.currency,
                )
                for voucher_id in voucher_ids.values()
            ],
        )
        moves = [
            Move(
                row.id,
                ApplicationStatus.SELECTED,
                row.person_id,
                {"voucher_id": str(voucher_ids[row.id]), "amount": rules.amount},
            )
            for row in rows
        ]
        move_many(uow, ctx, moves, ApplicationStatus.VOUCHER_ISSUED, "voucher_issued")
        return len(rows)

    return for_each_chunk(ctx, query, col(Application.id), handle, chunk, progress, lock_of=Application)


def voucher_of(uow: UnitOfWork, application_id: uuid.UUID, lock: bool = False) -> Voucher:
    """The voucher of an application (locked for update when ``lock``)."""
    query = select(Voucher).where(col(Voucher.application_id) == application_id)
    voucher = uow.session.execute(uow.locked(query) if lock else query).scalar_one_or_none()
    if voucher is None:
        raise NotFound("this application has no voucher", code="voucher-not-found")
    return voucher


def voucher_balance(uow: UnitOfWork, application_id: uuid.UUID) -> int:
    """The remaining balance of an application's voucher, derived from the ledger."""
    return ledger.balance(uow, voucher_of(uow, application_id).account_id)


def spendable_balance(uow: UnitOfWork, application_id: uuid.UUID) -> int | None:
    """What the application's voucher can still buy: its balance while it is active,
    ``None`` when there is no active voucher."""
    voucher = uow.session.execute(
        select(Voucher).where(col(Voucher.application_id) == application_id)
    ).scalar_one_or_none()
    if voucher is None or voucher.status != VoucherStatus.ACTIVE.value:
        return None
    return ledger.balance(uow, voucher.account_id)


@dataclass(frozen=True, slots=True)
class VoucherMove:
    """One movement on a voucher: issued, held for a course, given back, or closed."""

    kind: str
    """The ledger transaction's kind: ``voucher_issue``, ``course_reserve`` (a course
    bought: held until the provider redeems it), ``course_release`` (a purchase cancelled
    before redemption), ``voucher_forfeited``, ``voucher_expired``, ``voucher_revoked``."""
    amount: int
    """Signed, in the minor unit: positive onto the voucher, negative off it."""
    at: datetime
    purchase_id: uuid.UUID | None = None
    course_title: str | None = None
    purchase_status: str | None = None
    """Where the purchase stands now (``purchased`` still held, ``redeemed`` and
    ``completed`` spent, ``cancelled`` given back)."""


@dataclass(frozen=True, slots=True)
class VoucherStatement:
    """A voucher with its balance, what is held for courses not yet redeemed, and its
    history, oldest first."""

    voucher: Voucher
    balance: int
    held: int
    moves: list[VoucherMove]


def voucher_statement(uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID) -> VoucherStatement:
    """The voucher of ``application_id`` (of this programme) as its holder reads it."""
    application_in(uow, ctx, application_id)
    voucher = voucher_of(uow, application_id)
    rows = uow.session.execute(
        select(
            col(LedgerTransaction.kind),
            col(LedgerTransaction.reference),
            col(LedgerTransaction.created_at),
            col(LedgerEntry.amount),
        )
        .join(LedgerTransaction, col(LedgerTransaction.id) == col(LedgerEntry.transaction_id))
        .where(col(LedgerEntry.account_id) == voucher.account_id)
        .order_by(col(LedgerEntry.id))
    ).all()
    bought = {
        purchase.id: (purchase, title)
        for purchase, title in uow.session.execute(
            select(Purchase, col(Course.title))
            .join(Course, col(Course.id) == col(Purchase.course_id))
            .where(col(Purchase.application_id) == application_id)
        ).all()
    }
    moves = []
    for kind, reference, at, amount in rows:
        found = None
        if str(reference).startswith("purchase:"):
            found = bought.get(uuid.UUID(str(reference).removeprefix("purchase:")))
        moves.append(
            VoucherMove(
                kind=str(kind),
                amount=int(amount),
                at=at,
                purchase_id=found[0].id if found else None,
                course_title=found[1] if found else None,
                purchase_status=found[0].status if found else None,
            )
        )
    held = sum(p.price for p, _ in bought.values() if p.status == PurchaseStatus.PURCHASED.value)
    return VoucherStatement(voucher, ledger.balance(uow, voucher.account_id), held, moves)


@dataclass(frozen=True, slots=True)
class Order:
    """A beneficiary buying one course with their voucher."""

    application_id: uuid.UUID
    course_id: uuid.UUID


def purchase_course(
    uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID, course_id: uuid.UUID
) -> Purchase:
    """Buy one course with the voucher (see :func:`purchase_courses`)."""
    purchase_id = single(purchase_courses(uow, ctx, [Order(application_id, course_id)]))
    purchase = uow.session.get(Purchase, purchase_id)
    assert purchase is not None
    return purchase


def purchase_courses(
    uow: UnitOfWork, ctx: ProgrammeContext, orders: Sequence[Order]
) -> list[Outcome[uuid.UUID]]:
    """Buy courses with vouchers: each price moves from the voucher to its hold account
    (reserved until the provider redeems the code, see :mod:`voucher_holds`).

    The vouchers are locked (PostgreSQL) or the database held by SQLite's single
    writer before balances are read, so concurrent purchases can never overdraw a
    voucher; several orders on one voucher in a batch are checked against what the
    earlier ones spent. Refused orders write nothing.
    """
    now = ctx.clock.now()
    applications = load_applications(uow, ctx, [o.application_id for o in orders])
    vouchers = _vouchers_of(uow, list(applications))
    courses = {
        c.id: c for c in uow.scalars_among(select(Course), col(Course.id), {o.course_id for o in orders})
    }
    balances = ledger.balances(uow, [v.account_id for v in vouchers.values()])
    status = {app_id: app.status for app_id, app in applications.items()}
    outcomes: list[Outcome[uuid.UUID]] = []
    rows: list[PurchaseRow] = []
    moves: list[Move] = []
    changes: list[Change] = []
    reserves: list[tuple[uuid.UUID, Voucher, Course]] = []
    for order in orders:
        try:
            application = applications.get(order.application_id)
            if application is None:
                raise ApplicationNotFound(order.application_id)
            voucher = vouchers.get(order.application_id)
            course = courses.get(order.course_id)
            _check_order(ctx, status[application.id], voucher, course, balances, now)
            assert voucher is not None and course is not None
        except DomainError as error:
            outcomes.append(Outcome(error=error))
            continue
        balances[voucher.account_id] -= course.price
        purchase_id = new_id()
        if course.price:
            reserves.append((purchase_id, voucher, course))
        rows.append(
            PurchaseRow(
                id=purchase_id,
                application_id=application.id,
                voucher_id=voucher.id,
                course_id=course.id,
                price=course.price,
                currency=course.currency,
                voucher_code=new_code(),
                redeem_code=new_code(),
                status=PurchaseStatus.PURCHASED.value,
                purchased_at=now,
                redeemed_at=None,
                ledger_transaction_id=None,
            )
        )
        data = {"purchase_id": str(purchase_id), "course_id": str(course.id), "price": course.price}
        if status[application.id] == ApplicationStatus.VOUCHER_ISSUED:
            moves.append(Move(application.id, ApplicationStatus.VOUCHER_ISSUED, application.person_id, data))
            status[application.id] = ApplicationStatus.TRAINING
        else:
            changes.append(
                Change(
                    "application",
                    application.id,
                    "course_purchased",
                    status[application.id],
                    status[application.id],
                    {"person_id": str(application.person_id), **data},
                )
            )
        outcomes.append(Outcome(purchase_id))
    holds = voucher_holds.hold_accounts(uow, ctx, list({voucher.id for _, voucher, _ in reserves}))
    postings = [
        transfer(
            "course_reserve",
            f"purchase:{pid}",
            voucher.account_id,
            holds[voucher.id],
            course.price,
            course.currency,
        )
        for pid, voucher, course in reserves
    ]
    transaction_ids = ledger.post(uow, ctx, postings)
    by_reference = dict(zip((p.reference for p in postings), transaction_ids, strict=True))
    for row in rows:
        row["ledger_transaction_id"] = by_reference.get(f"purchase:{row['id']}")
    if rows:
        uow.insert_rows(Purchase, rows)
    move_many(uow, ctx, moves, ApplicationStatus.TRAINING, "course_purchased")
    record(uow, ctx, changes)
    return outcomes


def _vouchers_of(uow: UnitOfWork, application_ids: list[uuid.UUID]) -> dict[uuid.UUID, Voucher]:
    return {
        v.application_id: v
        for v in uow.scalars_among(select(Voucher), col(Voucher.application_id), application_ids, lock=True)
    }


def _check_order(
    ctx: ProgrammeContext,
    status: str,
    voucher: Voucher | None,
    course: Course | None,
    balances: dict[uuid.UUID, int],
    now: datetime,
) -> None:
    if status not in (ApplicationStatus.VOUCHER_ISSUED, ApplicationStatus.TRAINING):
        raise InvalidTransition(f"an application that is {status} cannot buy courses", current=status)
    if voucher is None:
        raise NotFound("this application has no voucher", code="voucher-not-found")
    if voucher.status != VoucherStatus.ACTIVE.value:
        raise InvalidTransition(f"the voucher is {voucher.status}", code="voucher-not-active")
    if now >= voucher.expires_at:
        raise DeadlinePassed("the voucher has expired", deadline=voucher.expires_at.isoformat())
    first = status == ApplicationStatus.VOUCHER_ISSUED
    if first and voucher.first_purchase_deadline and now >= voucher.first_purchase_deadline:
        raise DeadlinePassed(
            f"the first course had to be bought by {voucher.first_purchase_deadline.isoformat()}; "
            "the voucher is forfeited",
            code="first-purchase-deadline-passed",
        )
    if course is None or not course.active:
        raise NotFound("no such course on sale", code="course-not-found")
    if course.currency != ctx.config.currency:
        raise ValidationFailed(f"the course is priced in {course.currency}", code="currency-mismatch")
    balance = balances[voucher.account_id]
    if course.price > balance:
        raise InsufficientBalance(
            f"the course costs {course.price} but the voucher holds {balance}",
            price=course.price,
            balance=balance,
        )


def forfeit_unused(ctx: ProgrammeContext, chunk: int = 1_000, progress: Progress | None = None) -> int:
    """Forfeit vouchers whose first-purchase deadline passed unused; the balance returns to
    the budget."""
    now = ctx.clock.now()
    query: Select[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID] = (
        select(
            col(Application.id),
            col(Application.person_id),
            col(Voucher.id).label("voucher_id"),
            col(Voucher.account_id),
        )
        .join(Voucher, col(Voucher.application_id) == col(Application.id))
        .where(
            col(Application.programme_id) == ctx.pid,
            col(Application.status) == ApplicationStatus.VOUCHER_ISSUED.value,
            col(Voucher.first_purchase_deadline) <= now,
        )
    )

    def handle(uow: UnitOfWork, rows: Sequence[Row[*tuple[Any, ...]]]) -> int:
        release_vouchers(
            uow, ctx, [(row.voucher_id, row.account_id) for row in rows], VoucherStatus.FORFEITED
        )
        move_many(
            uow,
            ctx,
            [
                Move(
                    row.id,
                    ApplicationStatus.VOUCHER_ISSUED,
                    row.person_id,
                    {"voucher_id": str(row.voucher_id)},
                )
                for row in rows
            ],
            ApplicationStatus.FORFEITED,
            "voucher_forfeited",
        )
        return len(rows)

    return for_each_chunk(ctx, query, col(Application.id), handle, chunk, progress, lock_of=Application)


def release_vouchers(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    vouchers: Sequence[tuple[uuid.UUID, uuid.UUID]],
    status: VoucherStatus,
) -> int:
    """Close vouchers (id, account) and return what is left on them to the budget."""
    if not vouchers:
        return 0
    budget = ledger.budget_account(uow, ctx)
    balances = ledger.balances(uow, [account for _, account in vouchers])
    postings = [
        transfer(
            f"voucher_{status.value}",
            f"voucher:{voucher_id}",
            account,
            budget,
            balances[account],
            ctx.config.currency,
        )
        for voucher_id, account in vouchers
        if balances[account] > 0
    ]
    ledger.post(uow, ctx, postings)
    uow.execute_among(
        update(Voucher).values(status=status.value).execution_options(synchronize_session=False),
        col(Voucher.id),
        [voucher_id for voucher_id, _ in vouchers],
    )
    return sum(balances[account] for _, account in vouchers)
