"""UnitOfWork's look-ups by a large list of values: chunked, optionally locked, on both databases."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event, select, update
from sqlmodel import col

from skillsprogram.domain.models import Course, Platform, TrainingProvider
from skillsprogram.storage.uow import CHUNK, UnitOfWork

#: More platforms than one statement carries, so that every look-up below needs three chunks.
MANY = 2 * CHUNK + 7


def add_platforms(engine: Engine, count: int) -> list[str]:
    """Store ``count`` platforms; returns their codes."""
    codes = [f"p{number:05d}" for number in range(count)]
    with UnitOfWork(engine) as uow:
        uow.insert_rows(
            Platform, [{"id": uuid.uuid4(), "code": code, "name": code.upper()} for code in codes]
        )
        uow.commit()
    return codes


def add_course(engine: Engine, code: str) -> None:
    """Store one course on its own platform, of its own provider."""
    with UnitOfWork(engine) as uow:
        platform = Platform(code=f"{code}-platform", name="Platform")
        provider = TrainingProvider(code=f"{code}-provider", name="Provider")
        uow.session.add_all([platform, provider])
        uow.session.flush()
        uow.session.add(
            Course(
                provider_id=provider.id,
                platform_id=platform.id,
                code=code,
                title=code,
                field_of_study="it",
                mode="online",
                price=100,
                currency="XTS",
            )
        )
        uow.commit()


@contextmanager
def counted_selects(engine: Engine) -> Iterator[list[str]]:
    """The SELECT statements run on ``engine`` inside the block."""
    statements: list[str] = []

    def remember(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", remember)


def test_rows_among_finds_every_row_of_a_list_longer_than_a_chunk_one_statement_per_chunk(
    engine: Engine,
) -> None:
    codes = add_platforms(engine, MANY)
    wanted = codes + codes[:50]  # repeated values are asked for once
    with UnitOfWork(engine) as uow, counted_selects(engine) as statements:
        found = dict(
            uow.rows_among(select(col(Platform.code), col(Platform.name)), col(Platform.code), wanted)
        )
    assert found == {code: code.upper() for code in codes}
    assert len(statements) == math.ceil(MANY / CHUNK)


def test_scalars_among_an_empty_list_runs_no_statement(engine: Engine) -> None:
    add_platforms(engine, 3)
    with UnitOfWork(engine) as uow, counted_selects(engine) as statements:
        assert list(uow.scalars_among(select(Platform), col(Platform.code), [])) == []
    assert statements == []


def test_scalars_among_with_a_lock_reads_in_the_order_of_the_column(engine: Engine) -> None:
    codes = add_platforms(engine, MANY)
    with UnitOfWork(engine) as uow:
        read = [
            p.code
            for p in uow.scalars_among(select(Platform), col(Platform.code), reversed(codes), lock=True)
        ]
    assert read == sorted(codes)


def test_execute_among_updates_every_listed_row_and_no_other(engine: Engine) -> None:
    codes = add_platforms(engine, MANY)
    renamed = codes[: MANY - 3]
    with UnitOfWork(engine) as uow:
        changed = uow.execute_among(
            update(Platform).values(name="renamed").execution_options(synchronize_session=False),
            col(Platform.code),
            renamed,
        )
        uow.commit()
    with UnitOfWork(engine) as uow:
        names = dict(uow.session.execute(select(col(Platform.code), col(Platform.name))).all())
    assert changed == len(renamed)
    assert {code for code, name in names.items() if name == "renamed"} == set(renamed)


def test_a_locked_query_on_sqlite_is_the_query_itself(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite has no row locks")
    query = select(Platform)
    with UnitOfWork(engine) as uow:
        assert uow.locked(query, of=Platform, skip_locked=True) is query


def test_skip_locked_passes_over_rows_another_transaction_holds(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    codes = add_platforms(engine, 3)
    with UnitOfWork(engine) as holder, UnitOfWork(engine) as claimer:
        holder.session.execute(holder.locked(select(Platform).where(col(Platform.code) == codes[0]))).all()
        claimed = claimer.session.execute(
            claimer.locked(select(col(Platform.code)).order_by(col(Platform.code)), skip_locked=True)
        ).scalars()
        assert list(claimed) == codes[1:]


def test_a_lock_of_one_table_of_a_join_ignores_locks_on_the_other(engine: Engine) -> None:
    """A course whose platform another transaction holds is still claimed when only courses
    are locked (``of=Course``); locking every table of the join would skip it."""
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    add_course(engine, "c1")
    joined = select(col(Course.code)).join(Platform, col(Platform.id) == Course.platform_id)
    with UnitOfWork(engine) as holder, UnitOfWork(engine) as claimer:
        holder.session.execute(
            holder.locked(select(Platform).where(col(Platform.code) == "c1-platform"))
        ).all()
        everything = claimer.session.execute(claimer.locked(joined, skip_locked=True)).scalars().all()
        courses_only = (
            claimer.session.execute(claimer.locked(joined, of=Course, skip_locked=True)).scalars().all()
        )
    assert (everything, courses_only) == ([], ["c1"])


def test_rows_among_locks_only_the_table_named_by_of(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    add_course(engine, "c2")
    joined = select(col(Course.code), col(Platform.code)).join(
        Platform, col(Platform.id) == Course.platform_id
    )
    with UnitOfWork(engine) as reader, UnitOfWork(engine) as other:
        rows = list(reader.rows_among(joined, col(Course.code), ["c2"], lock=True, of=Course))
        # The platform row is free: another transaction takes it at once (NOWAIT would fail otherwise).
        other.session.execute(
            select(Platform).where(col(Platform.code) == "c2-platform").with_for_update(nowait=True)
        ).all()
    assert [tuple(row) for row in rows] == [("c2", "c2-platform")]
