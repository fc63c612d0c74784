"""Write and read the double-entry ledger. Balances are always derived from entries."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.ledger import MAY_GO_NEGATIVE, AccountKind, Posting, check_balanced
from skillsprogram.domain.models import LedgerAccount, LedgerEntry, LedgerTransaction
from skillsprogram.domain.types import new_id
from skillsprogram.storage.rows import LedgerAccountRow, LedgerEntryRow, LedgerTransactionRow
from skillsprogram.storage.uow import UnitOfWork

#: Account kinds with few owners, looked up on every movement: their ids are remembered.
SHARED_KINDS = frozenset(
    {AccountKind.BUDGET, AccountKind.BENEFIT_PAYABLE, AccountKind.PROVIDER, AccountKind.RAIL}
)
#: Account kinds created with their voucher or under its lock, in the caller's transaction;
#: every other kind may be created by concurrent transactions and is made on its own (see
#: :meth:`UnitOfWork.insert_shared`).
VOUCHER_KINDS = frozenset({AccountKind.VOUCHER, AccountKind.VOUCHER_HOLD})
_KEY = ("programme_id", "kind", "owner_id", "currency")

#: Session-info key: the (kind, owner, currency) accounts this transaction inserted.
_CREATED_ACCOUNTS = "skillsprogram.created_accounts"


def accounts(
    uow: UnitOfWork, ctx: ProgrammeContext, kind: AccountKind, owners: Iterable[str]
) -> dict[str, uuid.UUID]:
    """The ids of the ``kind`` accounts of ``owners`` in the programme's currency, created
    where missing (in bulk)."""
    currency = ctx.config.currency
    found: dict[str, uuid.UUID] = {}
    wanted: list[str] = []
    for owner in dict.fromkeys(owners):
        cached = ctx.known_accounts.get((kind.value, owner, currency))
        if cached is None:
            wanted.append(owner)
        else:
            found[owner] = cached
    found.update(_remembered(uow, ctx, kind, _look_up(uow, ctx, kind, wanted)))
    missing = [owner for owner in wanted if owner not in found]
    if missing:
        new_rows: list[LedgerAccountRow] = [
            {
                "id": new_id(),
                "programme_id": ctx.pid,
                "kind": kind.value,
                "owner_id": owner,
                "currency": currency,
                "may_go_negative": kind in MAY_GO_NEGATIVE,
            }
            for owner in missing
        ]
        if kind in VOUCHER_KINDS:
            uow.insert_new(LedgerAccount, new_rows, _KEY)
            committed = False
        else:
            # Two transactions may need the same account at once (two payout workers paying
            # through one rail): it is made on its own, so neither holds it from the other.
            committed = uow.insert_shared(LedgerAccount, new_rows, _KEY)
        if not committed:
            uow.session.info.setdefault(_CREATED_ACCOUNTS, set()).update(
                (kind.value, owner, currency) for owner in missing
            )
        found.update(_remembered(uow, ctx, kind, _look_up(uow, ctx, kind, missing)))
    return found


def _look_up(
    uow: UnitOfWork, ctx: ProgrammeContext, kind: AccountKind, owners: Sequence[str]
) -> dict[str, uuid.UUID]:
    query = select(col(LedgerAccount.owner_id), col(LedgerAccount.id)).where(
        col(LedgerAccount.programme_id) == ctx.pid,
        col(LedgerAccount.kind) == kind.value,
        col(LedgerAccount.currency) == ctx.config.currency,
    )
    return {
        owner: account_id for owner, account_id in uow.rows_among(query, col(LedgerAccount.owner_id), owners)
    }


def _remembered(
    uow: UnitOfWork, ctx: ProgrammeContext, kind: AccountKind, found: dict[str, uuid.UUID]
) -> dict[str, uuid.UUID]:
    """``found``, its committed shared accounts remembered in the context."""
    if kind in SHARED_KINDS:
        # Only accounts seen committed are remembered: one this transaction created is
        # visible to it alone until it commits (and gone if it rolls back), so another
        # worker sharing the context must not be handed its id.
        currency = ctx.config.currency
        created = uow.session.info.get(_CREATED_ACCOUNTS, set())
        ctx.known_accounts.update(
            {
                (kind.value, owner, currency): aid
                for owner, aid in found.items()
                if (kind.value, owner, currency) not in created
            }
        )
    return found


def account(uow: UnitOfWork, ctx: ProgrammeContext, kind: AccountKind, owner: str) -> uuid.UUID:
    """The id of one account, created if missing."""
    return accounts(uow, ctx, kind, [owner])[owner]


def budget_account(uow: UnitOfWork, ctx: ProgrammeContext) -> uuid.UUID:
    """The programme's budget account (the source of every amount it pays)."""
    return account(uow, ctx, AccountKind.BUDGET, "programme")


def post(uow: UnitOfWork, ctx: ProgrammeContext, postings: Sequence[Posting]) -> list[uuid.UUID]:
    """Write balanced postings (one ledger transaction each) in bulk; returns their ids."""
    now = ctx.clock.now()
    transactions: list[LedgerTransactionRow] = []
    entries: list[LedgerEntryRow] = []
    for posting in postings:
        check_balanced(posting.legs)
        transaction_id = new_id()
        transactions.append(
            {
                "id": transaction_id,
                "programme_id": ctx.pid,
                "kind": posting.kind,
                "reference": posting.reference,
                "created_at": now,
            }
        )
        entries.extend(
            {
                "transaction_id": transaction_id,
                "account_id": leg.account_id,
                "amount": leg.amount,
                "currency": leg.currency,
            }
            for leg in posting.legs
        )
    if transactions:
        uow.insert_rows(LedgerTransaction, transactions)
        uow.insert_rows(LedgerEntry, entries)
    return [row["id"] for row in transactions]


def balance(uow: UnitOfWork, account_id: uuid.UUID) -> int:
    """The balance of an account: the sum of its entries."""
    total = uow.session.execute(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            col(LedgerEntry.account_id) == account_id
        )
    ).scalar_one()
    return int(total)


def balances(uow: UnitOfWork, account_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Balances of many accounts, in one query per chunk of ids."""
    result: dict[uuid.UUID, int] = dict.fromkeys(account_ids, 0)
    query = select(col(LedgerEntry.account_id), func.sum(LedgerEntry.amount)).group_by(
        col(LedgerEntry.account_id)
    )
    result.update(
        {
            account_id: int(total)
            for account_id, total in uow.rows_among(query, col(LedgerEntry.account_id), account_ids)
        }
    )
    return result


def totals_by_kind(uow: UnitOfWork, ctx: ProgrammeContext) -> dict[tuple[str, str], int]:
    """The summed balance of every account kind, per currency (for reports)."""
    rows = uow.session.execute(
        select(col(LedgerAccount.kind), col(LedgerEntry.currency), func.sum(LedgerEntry.amount))
        .join(LedgerAccount, col(LedgerAccount.id) == LedgerEntry.account_id)
        .where(col(LedgerAccount.programme_id) == ctx.pid)
        .group_by(col(LedgerAccount.kind), col(LedgerEntry.currency))
    ).all()
    return {(kind, currency): int(total) for kind, currency, total in rows}


def unbalanced_transactions(uow: UnitOfWork, ctx: ProgrammeContext) -> list[uuid.UUID]:
    """Transactions whose entries do not sum to zero per currency (should be none)."""
    rows = uow.session.execute(
        select(col(LedgerEntry.transaction_id))
        .join(LedgerTransaction, col(LedgerTransaction.id) == LedgerEntry.transaction_id)
        .where(col(LedgerTransaction.programme_id) == ctx.pid)
        .group_by(col(LedgerEntry.transaction_id), col(LedgerEntry.currency))
        .having(func.sum(LedgerEntry.amount) != 0)
    ).all()
    return [row[0] for row in rows]


def overdrawn_accounts(uow: UnitOfWork, ctx: ProgrammeContext) -> list[uuid.UUID]:
    """Accounts that may not go negative but do (should be none)."""
    rows = uow.session.execute(
        select(col(LedgerAccount.id))
        .join(LedgerEntry, col(LedgerEntry.account_id) == LedgerAccount.id)
        .where(
            col(LedgerAccount.programme_id) == ctx.pid,
            col(LedgerAccount.may_go_negative).is_(False),
        )
        .group_by(col(LedgerAccount.id))
        .having(func.sum(LedgerEntry.amount) < 0)
    ).all()
    return [row[0] for row in rows]


__all__ = [
    "account",
    "accounts",
    "balance",
    "balances",
    "budget_account",
    "overdrawn_accounts",
    "post",
    "totals_by_kind",
    "unbalanced_transactions",
]
