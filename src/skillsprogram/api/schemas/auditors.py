"""Bodies of the auditors' routes: the audit log and the ledger's checks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditEventOut(BaseModel):
    """One entry of the audit log."""

    id: int
    occurred_at: datetime
    actor: str
    entity: str
    entity_id: str
    action: str
    from_status: str | None
    to_status: str | None
    data: dict[str, Any]


class LedgerBalance(BaseModel):
    """The summed balance of one kind of account."""

    kind: str
    currency: str
    balance: int


class LedgerVerificationOut(BaseModel):
    """Whether every transaction balances and no account is overdrawn."""

    balanced: bool
    unbalanced_transactions: list[uuid.UUID]
    overdrawn_accounts: list[uuid.UUID]
    totals: list[LedgerBalance]
