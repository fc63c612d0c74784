"""What the UnitOfWork's locks and inserts write on each database, read from the compiled statements."""

from __future__ import annotations

import pytest
from sqlalchemy import ClauseElement, Engine, create_engine, select
from sqlmodel import col

from skillsprogram.domain.models import Application, Person
from skillsprogram.domain.payments import RailNotice
from skillsprogram.storage.uow import UnitOfWork

ENGINES = {
    "sqlite": "sqlite://",
    # Never connected: the statements are only compiled for the dialect.
    "postgresql": "postgresql+psycopg://nobody@127.0.0.1:1/none",
}


@pytest.fixture(params=sorted(ENGINES))
def engine(request: pytest.FixtureRequest) -> Engine:
    return create_engine(ENGINES[request.param])


def _sql(uow: UnitOfWork, statement: ClauseElement) -> str:
    return str(statement.compile(dialect=uow.engine.dialect))


def test_a_claim_skips_rows_other_workers_hold_on_postgresql_only(engine: Engine) -> None:
    uow = UnitOfWork(engine)
    sql = _sql(uow, uow.locked(select(Application), of=Application, skip_locked=True))
    if uow.dialect == "postgresql":
        assert sql.endswith("FOR UPDATE OF application SKIP LOCKED")
    else:
        assert "FOR UPDATE" not in sql


def test_a_join_locks_only_the_rows_of_the_table_named_on_postgresql_only(engine: Engine) -> None:
    uow = UnitOfWork(engine)
    query = select(Application).join(Person, col(Person.id) == col(Application.person_id))
    sql = _sql(uow, uow.locked(query, of=Application))
    if uow.dialect == "postgresql":
        assert sql.endswith("FOR UPDATE OF application")
    else:
        assert "FOR UPDATE" not in sql


def test_an_insert_skipping_existing_rows_names_the_unique_key_on_either_database(engine: Engine) -> None:
    uow = UnitOfWork(engine)
    sql = _sql(uow, uow.insert_skipping_existing(RailNotice, ["programme_id", "rail", "notice_id"]))
    assert sql.startswith("INSERT INTO rail_notice")
    assert sql.endswith("ON CONFLICT (programme_id, rail, notice_id) DO NOTHING")
