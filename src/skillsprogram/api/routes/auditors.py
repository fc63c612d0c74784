"""Auditors: the audit log and the ledger's self-check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from skillsprogram.api.deps import State, bearer, transaction
from skillsprogram.api.pagination import IntCursor, Page, next_cursor, position
from skillsprogram.api.routes import BEARER
from skillsprogram.api.schemas import AuditEventOut, LedgerBalance, LedgerVerificationOut, Line
from skillsprogram.api.security import Principal
from skillsprogram.services import ledger_verification, listings
from skillsprogram.services.audit import Change, record

router = APIRouter(tags=["auditors"], responses=BEARER)


@router.get("/audit-events", response_model=Page[AuditEventOut], summary="The audit log")
def audit_events(
    state: State,
    principal: Annotated[Principal, bearer("audit:read")],
    cursor: IntCursor = None,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
    entity: Annotated[Line | None, Query(max_length=32)] = None,
    entity_id: Annotated[Line | None, Query(max_length=64)] = None,
    action: Annotated[Line | None, Query(max_length=48)] = None,
    actor: Annotated[Line | None, Query(max_length=64)] = None,
) -> Page[AuditEventOut]:
    """Every state change and every staff read, oldest first (events carry masked values
    only). Reading the log is itself audited."""
    with transaction(state, principal) as (uow, ctx):
        found = listings.audit_events(
            uow,
            ctx,
            entity=entity,
            entity_id=entity_id,
            action=action,
            actor=actor,
            after=position(cursor),
            limit=limit,
        )
        items = [
            AuditEventOut(
                id=e.id or 0,
                occurred_at=e.occurred_at,
                actor=e.actor,
                entity=e.entity,
                entity_id=e.entity_id,
                action=e.action,
                from_status=e.from_status,
                to_status=e.to_status,
                data=dict(e.data),
            )
            for e in found
        ]
        record(uow, ctx, [Change("audit_log", "programme", "audit_log_read", data={"events": len(items)})])
    return Page[AuditEventOut](items=items, next_cursor=next_cursor(found, limit))


@router.post("/ledger/verification", response_model=LedgerVerificationOut, summary="Verify the ledger")
def verify_ledger(
    state: State, principal: Annotated[Principal, bearer("ledger:verify")]
) -> LedgerVerificationOut:
    """Prove that every transaction sums to zero per currency and no account that may not
    go negative does; with the balance of each kind of account."""
    with transaction(state, principal) as (uow, ctx):
        result = ledger_verification.verify_ledger(uow, ctx)
    return LedgerVerificationOut(
        balanced=result.balanced,
        unbalanced_transactions=result.unbalanced_transactions,
        overdrawn_accounts=result.overdrawn_accounts,
        totals=[LedgerBalance(kind=k, currency=c, balance=b) for (k, c), b in sorted(result.totals.items())],
    )
