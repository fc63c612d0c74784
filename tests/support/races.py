"""Run the same step from many threads at once, each in its own transaction."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from skillsprogram.context import ProgrammeContext
from skillsprogram.errors import DomainError
from skillsprogram.storage.db import make_engine
from skillsprogram.storage.uow import UnitOfWork

T = TypeVar("T")

#: Concurrent attempts per race: enough for every check to overlap another's insert, and
#: within PostgreSQL's default of 100 connections when tests run side by side.
RACERS = 16


@dataclass(frozen=True)
class Result(Generic[T]):
    """What one racer got: a value, a domain error, or any other exception (a defect)."""

    value: T | None = None
    refused: DomainError | None = None
    crashed: BaseException | None = None

    @property
    def label(self) -> str:
        """``ok``, the refusal's code, or the crash's type (for counting)."""
        if self.crashed is not None:
            return f"crash: {type(self.crashed).__name__}: {self.crashed}"[:200]
        return self.refused.code if self.refused is not None else "ok"


@contextmanager
def racing_context(
    ctx: ProgrammeContext, database_url: str, racers: int = RACERS
) -> Iterator[ProgrammeContext]:
    """A context on its own engine, with a connection for every racer (none waits for the pool)."""
    engine = make_engine(database_url, pool_size=racers, max_overflow=0, pool_timeout=120)
    shared = ProgrammeContext(
        config=ctx.config,
        engine=engine,
        vault=ctx.vault,
        clock=ctx.clock,
        pm=ctx.pm,
        programme_id=ctx.pid,
        actor=ctx.actor,
    )
    shared.__dict__["rails"] = ctx.rails
    try:
        yield shared
    finally:
        engine.dispose()


def at_once(call: Callable[[int], T], racers: int = RACERS) -> list[Result[T]]:
    """Run ``call(index)`` in ``racers`` threads released together by a barrier; what each
    got, in index order."""
    barrier = threading.Barrier(racers)
    results: list[Result[T]] = [Result() for _ in range(racers)]

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = Result(value=call(index))
        except DomainError as error:
            results[index] = Result(refused=error)
        except BaseException as error:  # a crash is what the races look for
            results[index] = Result(crashed=error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def race(
    ctx: ProgrammeContext, step: Callable[[UnitOfWork, int], T], racers: int = RACERS
) -> list[Result[T]]:
    """Run ``step(uow, index)`` :func:`at_once`, each in a unit of work of its own that
    commits when the step returns."""

    def committed(index: int) -> T:
        with ctx.transaction() as uow:
            return step(uow, index)

    return at_once(committed, racers)


def tally(results: Sequence[Result[Any]]) -> Counter[str]:
    """How many racers got each outcome."""
    return Counter(result.label for result in results)
