"""Wave-sized inserts (``UnitOfWork.insert_rows``): the same stored values as SQLAlchemy's
own insert, constraint errors as SQLAlchemy errors, on SQLite and PostgreSQL."""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel
from typer.testing import CliRunner

from skillsprogram import collector
from skillsprogram.cli.main import app
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import AuditEvent, Household
from skillsprogram.storage.uow import UnitOfWork

JAKARTA = timezone(timedelta(hours=7))


def _audit_row(ctx: ProgrammeContext, entity_id: str) -> dict[str, object]:
    return {
        "occurred_at": datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=JAKARTA),
        "programme_id": ctx.pid,
        "actor": "officer-1",
        "entity": "application",
        "entity_id": entity_id,
        "action": "identity_verified",
        "from_status": None,
        "to_status": "identity_verified",
        "data": {"person_id": "p-1", "nested": {"amount": 600_000, "ok": True}, "none": None, "text": "é ñ"},
    }


def _stored(engine: Engine, entity_id: str) -> tuple[object, ...]:
    """The row as the database holds it, read without any type processing (all but its keys)."""
    table = SQLModel.metadata.tables["audit_event"]
    columns = ", ".join(c.name for c in table.columns if c.name not in ("id", "entity_id"))
    with engine.connect() as conn:
        row = conn.exec_driver_sql(f"SELECT {columns} FROM audit_event WHERE entity_id = '{entity_id}'").one()
    return tuple(row)


def test_bulk_insert_stores_exactly_what_sqlalchemy_would_store(
    engine: Engine, ctx: ProgrammeContext
) -> None:
    with UnitOfWork(engine) as uow:
        uow.insert_rows(AuditEvent, [_audit_row(ctx, "bulk")])
        uow.session.execute(SQLModel.metadata.tables["audit_event"].insert(), [_audit_row(ctx, "orm")])
        uow.commit()

    assert _stored(engine, "bulk") == _stored(engine, "orm")
    with UnitOfWork(engine) as uow:
        event = uow.session.execute(select(AuditEvent).where(AuditEvent.entity_id == "bulk")).scalar_one()
        uow.session.expunge(event)
    assert event.occurred_at == datetime(2025, 3, 1, 2, 30, 15, 123456, tzinfo=UTC)
    assert event.programme_id == ctx.pid
    assert event.from_status is None
    assert event.data == {
        "person_id": "p-1",
        "nested": {"amount": 600_000, "ok": True},
        "none": None,
        "text": "é ñ",
    }


def test_bulk_insert_writes_every_row_of_a_large_batch(engine: Engine, ctx: ProgrammeContext) -> None:
    rows = [_audit_row(ctx, f"e{n}") for n in range(2_500)]
    with UnitOfWork(engine) as uow:
        uow.insert_rows(AuditEvent, rows)
        uow.commit()
    with UnitOfWork(engine) as uow:
        ids = set(
            uow.session.execute(select(AuditEvent.entity_id).where(AuditEvent.actor == "officer-1")).scalars()
        )
    assert ids == {f"e{n}" for n in range(2_500)}


def test_bulk_insert_refuses_a_broken_constraint_as_integrity_error_and_writes_nothing(
    engine: Engine, ctx: ProgrammeContext
) -> None:
    twins = [
        {"id": uuid.uuid4(), "number_hash": "same", "number_enc": "x", "region_code": None} for _ in range(2)
    ]
    with UnitOfWork(engine) as uow:
        uow.insert_rows(AuditEvent, [_audit_row(ctx, "before")])
        with pytest.raises(IntegrityError):
            uow.insert_rows(Household, twins)
        uow.rollback()
        assert uow.session.execute(select(func.count()).select_from(Household)).scalar_one() == 0
        assert (
            uow.session.execute(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.actor == "officer-1")
            ).scalar_one()
            == 0
        )


@pytest.fixture
def probe_table(engine: Engine) -> Iterator[Table]:
    """A scratch table whose ``label`` column has a Python-side default."""
    table = Table(
        "bulk_probe",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("label", String(16), default="unlabelled"),
        Column("n", Integer),
    )
    table.create(engine)
    yield table
    table.drop(engine)


def test_bulk_insert_fills_a_left_out_column_with_its_python_side_default(
    engine: Engine, probe_table: Table
) -> None:
    from skillsprogram.storage import bulk

    with engine.begin() as conn:
        bulk.insert_rows(conn, probe_table, [{"n": 1}, {"n": 2}])
    with engine.connect() as conn:
        stored = conn.execute(select(probe_table.c.n, probe_table.c.label).order_by(probe_table.c.n)).all()
    assert [tuple(r) for r in stored] == [(1, "unlabelled"), (2, "unlabelled")]


def test_the_command_line_collects_garbage_less_often_for_batch_steps() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        result = CliRunner().invoke(app, ["run", "--help"])
        assert result.exit_code == 0
        assert gc.get_threshold() == collector.BATCH_THRESHOLDS
    finally:
        gc.set_threshold(*before)


def test_rows_sharing_a_value_and_rows_that_differ_are_each_stored_with_their_own(
    engine: Engine, ctx: ProgrammeContext
) -> None:
    shared = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    rows = []
    for n in range(9):
        row = _audit_row(ctx, f"r{n}")
        row["occurred_at"] = shared if n % 3 else shared + timedelta(minutes=n)
        row["data"] = {"n": n} if n % 2 else row["data"]
        rows.append(row)
    with UnitOfWork(engine) as uow:
        uow.insert_rows(AuditEvent, rows)
        uow.commit()
    with UnitOfWork(engine) as uow:
        stored = {
            e.entity_id: (e.occurred_at, e.data)
            for e in uow.session.execute(select(AuditEvent).where(AuditEvent.actor == "officer-1")).scalars()
        }
    assert stored == {row["entity_id"]: (row["occurred_at"], row["data"]) for row in rows}
