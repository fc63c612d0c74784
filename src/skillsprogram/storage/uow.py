"""The unit of work: one database transaction that services write through."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, SQLModel


class UnitOfWork:
    """A transaction: everything a service writes inside it commits together or not at all.

    Use as a context manager; leaving the block without :meth:`commit` rolls back.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session = Session(engine, expire_on_commit=False, autoflush=True)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
        self.session.close()

    def insert_rows(self, model: type[SQLModel], rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert many rows of ``model`` in one executemany, bypassing the ORM's per-object
        bookkeeping (pending ORM changes are flushed first, so foreign keys resolve)."""
        if not rows:
            return
        self.session.flush()
        table = SQLModel.metadata.tables[str(model.__tablename__)]
        self.session.execute(table.insert(), list(rows))

    def commit(self) -> None:
        """Make everything written so far durable."""
        self.session.commit()

    def rollback(self) -> None:
        """Forget everything written since the last commit."""
        self.session.rollback()
