"""The audit log: every state change is appended here in the transaction that makes it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import AuditEvent
from skillsprogram.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Change:
    """One state change to record: what moved, from where to where, and why."""

    entity: str
    entity_id: uuid.UUID | str
    action: str
    from_status: str | None = None
    to_status: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


def record(uow: UnitOfWork, ctx: ProgrammeContext, changes: Iterable[Change]) -> int:
    """Append ``changes`` to the audit log in one statement; returns how many were written.

    The lifecycle hooks see them after the transaction commits
    (:func:`skillsprogram.services.events.dispatch_events`).
    """
    now = ctx.clock.now()
    rows = [
        {
            "occurred_at": now,
            "programme_id": ctx.programme_id,
            "actor": ctx.actor,
            "entity": change.entity,
            "entity_id": str(change.entity_id),
            "action": change.action,
            "from_status": change.from_status,
            "to_status": change.to_status,
            "data": dict(change.data),
        }
        for change in changes
    ]
    if rows:
        uow.insert_rows(AuditEvent, rows)
    return len(rows)
