"""UnitOfWork.recheck_on_conflict: what is repeated, what is not, and what is left behind."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from skillsprogram.domain.models import Platform, TrainingProvider
from skillsprogram.errors import ConcurrentChange
from skillsprogram.storage.uow import RECHECKS, UnitOfWork


def platforms(engine: Engine) -> int:
    """How many platforms are stored."""
    with UnitOfWork(engine) as uow:
        return int(uow.session.execute(select(func.count()).select_from(Platform)).scalar_one())


def test_a_step_that_writes_without_conflict_runs_once_and_keeps_its_rows(engine: Engine) -> None:
    calls = []
    with UnitOfWork(engine) as uow:

        def step() -> str:
            calls.append(1)
            uow.session.add(Platform(code="tm", name="Testmarket"))
            uow.session.flush()
            return "done"

        assert uow.recheck_on_conflict(step) == "done"
        uow.commit()
    assert (len(calls), platforms(engine)) == (1, 1)


def test_a_unique_key_lost_on_postgresql_is_rechecked_and_then_told_to_try_again(engine: Engine) -> None:
    """A step that never checks keeps losing: after every recheck it is a clear 409, not a
    500, and the rows written before the step survive. On SQLite a unique violation is
    never a race (the writer is held from the first read), so it is raised as it is."""
    with UnitOfWork(engine) as uow:
        uow.session.add(Platform(code="tm", name="Testmarket"))
        uow.commit()
    calls = []
    with UnitOfWork(engine) as uow:
        uow.session.add(TrainingProvider(code="p9", name="Kept"))
        uow.session.flush()

        def step() -> None:
            calls.append(1)
            uow.session.add(Platform(code="tm", name="again"))
            uow.session.flush()

        if engine.dialect.name == "postgresql":
            with pytest.raises(ConcurrentChange) as refused:
                uow.recheck_on_conflict(step)
            assert refused.value.code == "concurrent-change"
            assert len(calls) == RECHECKS
        else:
            with pytest.raises(IntegrityError):
                uow.recheck_on_conflict(step)
            assert len(calls) == 1
        kept = uow.session.execute(select(TrainingProvider.name)).scalars().all()
        assert kept == ["Kept"]


def test_other_database_errors_are_not_repeated(engine: Engine) -> None:
    calls = []
    with UnitOfWork(engine) as uow:

        def step() -> None:
            calls.append(1)
            uow.session.execute(
                TrainingProvider.__table__.insert().values(id=uuid.uuid4(), code=None, name="no code")  # type: ignore[attr-defined]
            )

        with pytest.raises(IntegrityError):
            uow.recheck_on_conflict(step)
    assert len(calls) == 1
