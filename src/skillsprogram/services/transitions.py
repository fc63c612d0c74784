"""Move applications through the lifecycle, in bulk, with their audit events."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.lifecycle import ApplicationStatus, check_move
from skillsprogram.domain.models import Application
from skillsprogram.errors import ApplicationNotFound
from skillsprogram.services.audit import Change, record
from skillsprogram.storage.uow import UnitOfWork, slices


@dataclass(frozen=True, slots=True)
class Move:
    """One application to move, as the caller read it."""

    application_id: uuid.UUID
    from_status: str
    person_id: uuid.UUID
    data: Mapping[str, Any] | None = None


def move_many(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    moves: Sequence[Move],
    target: ApplicationStatus,
    action: str,
    values: Mapping[str, Any] | None = None,
) -> int:
    """Move every application in ``moves`` to ``target`` and audit each move.

    Each move is checked against the lifecycle; the update is guarded by the
    status the caller read, so a concurrent change makes the count come short
    instead of overwriting it (callers that care compare the count).
    """
    for move in moves:
        check_move(move.from_status, target)
    moved = 0
    # A chunk at a time, so that a wave-sized move (a draw waitlists most of a wave)
    # never holds every audit row in memory at once.
    for chunk in slices(moves):
        moved += _move_chunk(uow, ctx, chunk, target, action, values)
    return moved


def _move_chunk(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    moves: Sequence[Move],
    target: ApplicationStatus,
    action: str,
    values: Mapping[str, Any] | None,
) -> int:
    now = ctx.clock.now()
    by_status: dict[str, list[uuid.UUID]] = {}
    for move in moves:
        by_status.setdefault(move.from_status, []).append(move.application_id)
    moved = 0
    for from_status, ids in by_status.items():
        result = uow.session.execute(
            update(Application)
            .where(uow.among(Application.id, ids), col(Application.status) == from_status)
            .values(status=target.value, status_changed_at=now, **dict(values or {}))
            .execution_options(synchronize_session=False)
        )
        moved += cast("CursorResult[Any]", result).rowcount
    record(
        uow,
        ctx,
        (
            Change(
                "application",
                move.application_id,
                action,
                move.from_status,
                target.value,
                {"person_id": str(move.person_id), **dict(move.data or {})},
            )
            for move in moves
        ),
    )
    return moved


def load_for_move(
    uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID, lock: bool = True
) -> Application:
    """Read one application of the programme (locked for update on PostgreSQL)."""
    query = select(Application).where(
        col(Application.id) == application_id,
        col(Application.programme_id) == ctx.pid,
    )
    application = uow.session.execute(uow.locked(query) if lock else query).scalar_one_or_none()
    if application is None:
        raise ApplicationNotFound(application_id)
    return application


def load_applications(
    uow: UnitOfWork, ctx: ProgrammeContext, application_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Application]:
    """Applications of the programme by id (locked for update on PostgreSQL, in id order so
    that concurrent batches never deadlock). Ids of other programmes are simply absent."""
    query = select(Application).where(col(Application.programme_id) == ctx.pid)
    return {
        application.id: application
        for application in uow.scalars_among(query, col(Application.id), application_ids, lock=True)
    }


def move_one(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    application: Application,
    target: ApplicationStatus,
    action: str,
    data: Mapping[str, Any] | None = None,
) -> None:
    """Move one application already loaded (raises ``InvalidTransition`` if not allowed)."""
    move_many(
        uow, ctx, [Move(application.id, application.status, application.person_id, data)], target, action
    )
    uow.session.refresh(application)
