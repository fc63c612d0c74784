"""Run a batch step over a large set of rows: chunked, resumable, several workers at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVarTuple

from sqlalchemy import Row, Select

from skillsprogram.context import ProgrammeContext
from skillsprogram.storage.uow import UnitOfWork

Progress = Callable[[int], None]
Ts = TypeVarTuple("Ts")


def for_each_chunk(
    ctx: ProgrammeContext,
    query: Select[*Ts],
    key: Any,
    handle: Callable[[UnitOfWork, Sequence[Row[*Ts]]], int],
    chunk: int = 1_000,
    progress: Progress | None = None,
    lock_of: Any = None,
) -> int:
    """Call ``handle`` on each chunk of ``query`` in its own committed transaction.

    ``query`` selects ``key`` as its first column; chunks follow ``key`` order
    (keyset pagination), so memory stays flat however many rows there are and a
    step stopped half-way resumes where it stopped (handled rows have changed
    state and no longer match the query). On PostgreSQL each chunk's rows of
    ``lock_of`` are claimed ``FOR UPDATE SKIP LOCKED``, so several worker
    processes can share a step without handling a row twice.

    Returns the sum of what ``handle`` returned.
    """
    done = 0
    last = None
    while True:
        with ctx.transaction() as uow:
            page = query if last is None else query.where(key > last)
            page = page.order_by(key).limit(chunk)
            if lock_of is not None:
                page = uow.locked(page, of=lock_of, skip_locked=True)
            rows = uow.session.execute(page).all()
            if not rows:
                return done
            count = handle(uow, rows)
            last = rows[-1][0]
        done += count
        if progress is not None:
            progress(len(rows))
