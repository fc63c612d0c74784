"""Double-entry rules, free of I/O: a posting balances per currency or it is refused."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from skillsprogram.errors import LedgerImbalance


class AccountKind(StrEnum):
    """What a ledger account stands for."""

    BUDGET = "budget"
    """The state's funding of the programme: the source of all money, so it runs negative."""
    VOUCHER = "voucher"
    """A beneficiary's training balance."""
    VOUCHER_HOLD = "voucher_hold"
    """Voucher money reserved by purchases not yet redeemed (captured) or cancelled (released)."""
    PROVIDER = "provider"
    """What the programme owes a training provider for courses sold."""
    BENEFIT_PAYABLE = "benefit_payable"
    """Benefits earned and not yet paid out."""
    RAIL = "rail"
    """Money sent out through one payment rail."""
    RECEIVABLE = "receivable"
    """What a revoked beneficiary must pay back (negative while the debt is open)."""
    COLLECTIONS = "collections"
    """Money paid back to the programme by beneficiaries (negative: it came in)."""


#: Accounts whose balance may go below zero; every other account may not.
MAY_GO_NEGATIVE = frozenset({AccountKind.BUDGET, AccountKind.RECEIVABLE, AccountKind.COLLECTIONS})


@dataclass(frozen=True, slots=True)
class Leg:
    """One side of a posting: a signed amount on an account."""

    account_id: uuid.UUID
    amount: int
    currency: str


@dataclass(frozen=True, slots=True)
class Posting:
    """A balanced movement of money, ready to be written."""

    kind: str
    reference: str
    legs: tuple[Leg, ...]


def check_balanced(legs: Sequence[Leg]) -> None:
    """Raise :class:`LedgerImbalance` unless the legs sum to zero in every currency."""
    if len(legs) < 2:
        raise LedgerImbalance("a ledger transaction needs at least two entries")
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        if isinstance(leg.amount, bool) or not isinstance(leg.amount, int):
            raise LedgerImbalance("ledger amounts are integers in the minor unit")
        totals[leg.currency] += leg.amount
    unbalanced = {currency: total for currency, total in totals.items() if total != 0}
    if unbalanced:
        raise LedgerImbalance(f"entries do not sum to zero: {unbalanced}")


def transfer(
    kind: str, reference: str, source: uuid.UUID, target: uuid.UUID, amount: int, currency: str
) -> Posting:
    """A posting that moves ``amount`` from ``source`` to ``target``."""
    if amount <= 0:
        raise LedgerImbalance("a transfer moves a positive amount")
    legs = (Leg(source, -amount, currency), Leg(target, amount, currency))
    check_balanced(legs)
    return Posting(kind=kind, reference=reference, legs=legs)
