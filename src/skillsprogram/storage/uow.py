"""The unit of work: one database transaction that services write through."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, cast

from sqlalchemy import ColumnElement, Engine, any_, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, SQLModel

from skillsprogram.storage import bulk


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
        """Insert many rows of ``model`` in one driver call, bypassing the ORM's per-object
        bookkeeping (pending ORM changes are flushed first, so foreign keys resolve).

        The rows are mappings with the same keys; see :mod:`skillsprogram.storage.bulk`.
        """
        if not rows:
            return
        self.session.flush()
        table = SQLModel.metadata.tables[str(model.__tablename__)]
        bulk.insert_rows(self.session.connection(), table, rows)

    def among(self, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
        """``column IN values``, as one array parameter on PostgreSQL (``= ANY(:values)``).

        A thousand-value ``IN`` list is a thousand parameters that SQLAlchemy expands and
        psycopg re-parses at every execution, in statement text too long to cache; one
        array parameter keeps the statement the same from chunk to chunk.
        """
        values = list(values)
        if self.dialect == "postgresql":
            return cast(
                "ColumnElement[bool]", column == any_(bindparam(None, values, type_=ARRAY(column.type)))
            )
        return cast("ColumnElement[bool]", column.in_(values))

    def refresh_statistics(self, *models: type[SQLModel]) -> None:
        """Have PostgreSQL's planner re-read the size and shape of ``models``' tables.

        Autovacuum analyzes a table only some time after it changed a lot; a batch step
        that follows a mass import straight away would otherwise plan its joins for the
        empty tables of yesterday (sequential scans per chunk instead of index look-ups).
        SQLite plans from its indexes alone, so nothing is done there.
        """
        if self.dialect != "postgresql":
            return
        for model in models:
            self.session.execute(text(f'ANALYZE "{model.__tablename__}"'))

    def commit(self) -> None:
        """Make everything written so far durable."""
        self.session.commit()

    def rollback(self) -> None:
        """Forget everything written since the last commit."""
        self.session.rollback()
