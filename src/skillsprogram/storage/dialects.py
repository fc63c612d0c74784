"""What differs between the two databases, behind names that say what a caller wants.

Services never ask which database they run on; they ask for a claim that skips rows other
workers hold, for locks on the rows of one table of a join, or for an insert that skips
rows already there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVarTuple

from sqlalchemy import Insert, Select, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel

from skillsprogram.storage.uow import UnitOfWork

Ts = TypeVarTuple("Ts")


def skipping_locked(uow: UnitOfWork, query: Select[*Ts], of: Any) -> Select[*Ts]:
    """``query`` claiming the rows of ``of`` it reads (``FOR UPDATE SKIP LOCKED`` on
    PostgreSQL), so that a second worker running the same query passes over them instead
    of waiting or handling them twice. SQLite's single writer already runs one at a time."""
    if uow.dialect == "postgresql":
        return query.with_for_update(skip_locked=True, of=of)
    return query


def locking_rows_of(uow: UnitOfWork, query: Select[*Ts], of: Any) -> Select[*Ts]:
    """``query`` locking only the rows of ``of`` it reads (``FOR UPDATE OF`` on PostgreSQL),
    not those of the tables it joins for reading. SQLite has no row locks."""
    if uow.dialect == "postgresql":
        return query.with_for_update(of=of)
    return query


def insert_skipping_existing(uow: UnitOfWork, model: type[SQLModel], key: Sequence[str]) -> Insert:
    """An ``INSERT`` into ``model``'s table that skips rows whose ``key`` columns (a unique
    constraint) match a row that exists (``ON CONFLICT DO NOTHING`` in either dialect)."""
    insert = postgresql.insert if uow.dialect == "postgresql" else sqlite.insert
    return insert(table_of(model)).on_conflict_do_nothing(index_elements=list(key))


def table_of(model: type[SQLModel]) -> Table:
    """The table ``model`` maps."""
    return SQLModel.metadata.tables[str(model.__tablename__)]
