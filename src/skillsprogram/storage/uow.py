"""The unit of work: one database transaction that services write through."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar, TypeVarTuple, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Delete,
    Engine,
    Insert,
    Row,
    Select,
    Table,
    Update,
    any_,
    bindparam,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, SQLModel

from skillsprogram.errors import ConcurrentChange
from skillsprogram.storage import bulk
from skillsprogram.storage.db import side_engine

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

#: How many ids one look-up statement carries: large enough that a wave-sized step runs few
#: statements, small enough for SQLite's parameter limit and a short PostgreSQL array.
CHUNK = 1_000


def slices(items: Sequence[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``items`` a slice of ``size`` at a time, in order: the one way batch code walks a
    list too long for one statement or one transaction."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


#: PostgreSQL's answers when a write loses to a concurrent transaction: a unique key that
#: transaction committed first (the loser's insert waited for that commit), or a deadlock
#: between two batches writing the same keys in different orders. SQLite never races:
#: every transaction takes the single writer before its first read (``BEGIN IMMEDIATE``).
LOST_RACE_SQLSTATES = frozenset({"23505", "40P01"})

#: How many times a step is rechecked before the caller is told to try again; each retry
#: follows another transaction's commit, so a step runs out only in a storm of writers.
RECHECKS = 10

#: How long a shared record's own transaction waits for another one creating the same key
#: before giving up: they commit at once, so a longer wait means something is wrong.
SHARED_LOCK_TIMEOUT = "10s"


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
        bulk.insert_rows(self.session.connection(), table_of(model), rows)

    def recheck_on_conflict(self, step: Callable[[], T]) -> T:
        """Run a check-then-write ``step`` in a savepoint; when its write loses a race to a
        concurrent transaction, undo the step and run it again.

        The step's checks then see the row the winner committed and refuse with the rule's
        own domain error (a duplicate registration, an account taken), or pass (a family
        card another member's registration created meanwhile), and nothing of the lost
        attempt is left: no row, no audit event. A step must read what it checks inside
        ``step`` and be safe to repeat. :class:`ConcurrentChange` (409, try again) if it
        keeps losing.
        """
        lost: DBAPIError | None = None
        for _attempt in range(RECHECKS):
            try:
                with self.session.begin_nested():
                    return step()
            except DBAPIError as error:
                if getattr(error.orig, "sqlstate", None) not in LOST_RACE_SQLSTATES:
                    raise
                lost = error
        raise ConcurrentChange("the same records were being changed by other requests; try again") from lost

    def serialise(self, name: str) -> None:
        """Hold the deployment-wide lock ``name`` until this transaction ends, so that the
        steps taking it run one after the other (a transaction-level advisory lock on
        PostgreSQL; SQLite's single writer already runs transactions one at a time)."""
        if self.dialect == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})

    def insert_new(
        self, model: type[SQLModel], rows: Sequence[Mapping[str, Any]], key: Sequence[str]
    ) -> None:
        """Insert ``rows`` of ``model`` in this transaction, skipping those whose ``key``
        columns (a unique constraint) match a row that exists (``ON CONFLICT DO NOTHING``)."""
        if not rows:
            return
        self.session.flush()
        self.session.execute(self.insert_skipping_existing(model, key), rows)

    def insert_skipping_existing(self, model: type[SQLModel], key: Sequence[str]) -> Insert:
        """An ``INSERT`` into ``model``'s table that skips rows whose ``key`` columns (a
        unique constraint) match a row that exists (``ON CONFLICT DO NOTHING``, either
        database), for callers that need more than :meth:`insert_new` (``RETURNING``)."""
        return _insert_new(self.dialect, model, key)

    def insert_shared(
        self, model: type[SQLModel], rows: Sequence[Mapping[str, Any]], key: Sequence[str]
    ) -> bool:
        """Create ``rows`` of ``model`` that other transactions may be creating at the same
        moment (shared records made on first use: a rail's ledger account, a cursor),
        skipping those whose ``key`` exists; returns whether they are committed already.

        On PostgreSQL they are written and committed in a short transaction of their own, on
        a connection of its own. An insert waits for any open transaction that inserted the
        same key; two long transactions each inserting two such keys in opposite orders (two
        payout workers meeting two rails) would deadlock, and one would die. Committed at
        once, the rows are held by nobody, and this transaction's next statement sees them
        (read committed). They stay if this transaction rolls back: only records that are
        harmless unused belong here. On SQLite every transaction takes the single writer up
        front, nobody races, and the rows are inserted in this transaction.
        """
        if not rows:
            return False
        if self.dialect != "postgresql":
            self.insert_new(model, rows, key)
            return False
        with side_engine(self.engine).begin() as connection:
            connection.execute(text(f"SET LOCAL lock_timeout = '{SHARED_LOCK_TIMEOUT}'"))
            connection.execute(_insert_new(self.dialect, model, key), rows)
        return True

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

    def locked(self, query: Select[*Ts], *, of: Any = None, skip_locked: bool = False) -> Select[*Ts]:
        """``query`` taking row locks (``FOR UPDATE``) on PostgreSQL, so that concurrent
        transactions changing the same rows wait for this one. SQLite's single writer
        already serialises transactions, and it has no row locks.

        ``of`` (an entity or columns) locks only those tables' rows of a join;
        ``skip_locked`` passes over rows another transaction holds instead of waiting for
        them (workers claiming work then never claim the same rows).
        """
        if self.dialect == "postgresql":
            return query.with_for_update(of=of, skip_locked=skip_locked)
        return query

    def rows_among(
        self,
        query: Select[*Ts],
        column: Any,
        values: Iterable[Any],
        *,
        lock: bool = False,
        of: Any = None,
    ) -> Iterator[Row[*Ts]]:
        """The rows of ``query`` whose ``column`` is one of ``values``, however many there
        are: the values are de-duplicated, sorted and sent :data:`CHUNK` at a time.

        With ``lock``, the rows are locked as they are read (see :meth:`locked`; ``of``
        narrows the lock to one table of a join), chunk after chunk in ``column`` order, so
        two batches locking overlapping sets of rows take their locks in the same order and
        cannot deadlock each other.
        """
        for chunk in self._chunked(query, column, values, lock, of):
            yield from self.session.execute(chunk)

    def scalars_among(
        self,
        query: Select[T],
        column: Any,
        values: Iterable[Any],
        *,
        lock: bool = False,
        of: Any = None,
    ) -> Iterator[T]:
        """The single-column (or single-entity) results of ``query`` whose ``column`` is one
        of ``values``, chunked and optionally locked as :meth:`rows_among` does."""
        for chunk in self._chunked(query, column, values, lock, of):
            yield from self.session.scalars(chunk)

    def execute_among(self, statement: Update | Delete, column: Any, values: Iterable[Any]) -> int:
        """Run an ``UPDATE`` or ``DELETE`` on the rows whose ``column`` is one of ``values``,
        :data:`CHUNK` values per statement (in sorted order); returns how many rows it
        changed. The session's objects are not synchronised: callers pass
        ``synchronize_session=False`` or re-read what they changed."""
        changed = 0
        for chunk in self._chunks(values):
            result = self.session.execute(statement.where(self.among(column, chunk)))
            changed += cast("CursorResult[Any]", result).rowcount
        return changed

    def _chunked(
        self, query: Select[*Ts], column: Any, values: Iterable[Any], lock: bool, of: Any
    ) -> Iterator[Select[*Ts]]:
        for chunk in self._chunks(values):
            narrowed = query.where(self.among(column, chunk))
            yield self.locked(narrowed.order_by(column), of=of) if lock else narrowed

    @staticmethod
    def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
        yield from slices(sorted(set(values)))

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


def table_of(model: type[SQLModel]) -> Table:
    """The table ``model`` is stored in, for statements written against its columns
    (``table_of(model).c.id``)."""
    return SQLModel.metadata.tables[str(model.__tablename__)]


def _insert_new(dialect: str, model: type[SQLModel], key: Sequence[str]) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table_of(model)).on_conflict_do_nothing(index_elements=list(key))
