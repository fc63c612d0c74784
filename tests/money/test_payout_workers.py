"""Payout workers in real processes: racing on a fresh programme, and killed mid-run."""

from __future__ import annotations

import os
import random
import threading
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine, delete, func, select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import EventCursor
from skillsprogram.services import events
from tests.money.helpers import ledger_problems, payouts_by_status
from tests.money.workers import (
    EXIT_WITHIN,
    KILL_FAILURES,
    Workers,
    command,
    empty,
    finish,
    kill_cycle,
    start,
    two_rail_config,
    with_payouts_on_two_rails,
)

#: Fresh programmes raced by two workers on PostgreSQL (``SKILLSPROGRAM_TEST_RACE_ROUNDS``
#: for more). Before the rail accounts were made on their own, 8 rounds of 16 deadlocked.
#: SQLite's single writer queues the workers: two rounds check that path.
RACE_ROUNDS = int(os.environ.get("SKILLSPROGRAM_TEST_RACE_ROUNDS", "6"))


def test_two_workers_on_a_fresh_programme_create_the_rail_accounts_without_dying(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    config = two_rail_config(tmp_path / "rail-books.db")
    rounds = RACE_ROUNDS if engine.dialect.name == "postgresql" else 2
    workers = Workers(database_url, 2, chunk=2)
    errors: Counter[str] = Counter()
    ends = []
    try:
        for _ in range(rounds):
            empty(engine)
            ctx = start(engine, config)
            with_payouts_on_two_rails(ctx, 8)  # 16 payouts due by the workers' wall clock
            answers = workers.run()
            errors.update(detail for status, detail in answers if status == "error")
            ends.append((payouts_by_status(ctx), ledger_problems(ctx)))
    finally:
        workers.close()
    print(f"\n[{engine.dialect.name}] {rounds} fresh programmes raced, errors: {dict(errors)}")
    assert errors == Counter()
    assert ends == [({"paid": 16}, [])] * rounds


#: Runs of ``payouts run --workers 2`` with one worker killed at a random moment, per
#: database (``SKILLSPROGRAM_TEST_KILL_CYCLES`` for more, ``SKILLSPROGRAM_TEST_KILL_SEED``
#: to repeat one). Before the parent watched its workers, every one of them hung.
KILL_CYCLES = int(os.environ.get("SKILLSPROGRAM_TEST_KILL_CYCLES", "3"))


def test_a_worker_killed_mid_run_stops_the_parent_and_the_next_run_pays_each_payout_once(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    seed = int(os.environ.get("SKILLSPROGRAM_TEST_KILL_SEED", str(random.randrange(10**6))))
    chance = random.Random(seed)
    figures: Counter[str] = Counter()
    slowest = 0
    for cycle in range(KILL_CYCLES):
        found = kill_cycle(engine, database_url, tmp_path / f"rail-books-{cycle}.db", chance)
        slowest = max(slowest, found.pop("exit (s)"))
        figures.update(found)
    print(f"\n[{engine.dialect.name}] seed {seed}: {dict(figures)}, slowest exit {slowest} s")
    assert figures["cycles"] == KILL_CYCLES
    assert {name: figures[name] for name in KILL_FAILURES} == dict.fromkeys(KILL_FAILURES, 0), seed


def test_workers_that_find_no_event_cursor_make_one_and_none_dies(ctx: ProgrammeContext) -> None:
    errors: list[str] = []
    start_together = threading.Barrier(4)

    def deliver() -> None:
        start_together.wait()
        try:
            events.dispatch_events(ctx)
        except Exception as exc:
            errors.append(type(exc).__name__)

    for _ in range(10):
        with ctx.uow() as uow:  # not a transaction(): its commit would deliver, making a cursor
            uow.session.execute(delete(EventCursor))
            uow.commit()
        threads = [threading.Thread(target=deliver) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    with ctx.uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(EventCursor)).scalar_one() == 1


def test_workers_for_a_programme_not_in_the_database_are_refused_before_they_start(
    ctx: ProgrammeContext, database_url: str
) -> None:
    run = command(database_url, "payouts", "run", "--workers", "2", programme="nowhere-2025")
    code, output = finish(run, EXIT_WITHIN)
    assert code == 2, output
    assert output.strip().splitlines() == [
        "refused [not-found] no programme 'nowhere-2025' in this database; start it first"
    ]
