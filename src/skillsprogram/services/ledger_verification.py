"""The ledger's audited self-check, as the auditors' interface asks for it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from skillsprogram.context import ProgrammeContext
from skillsprogram.services import ledger
from skillsprogram.services.audit import Change, record
from skillsprogram.storage.uow import UnitOfWork


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
