"""Real payout worker processes killed with SIGKILL at each crash point, then restarted.

The sandbox rail keeps its books in a SQLite file shared by every process, so
credits and send requests are counted per key across the crash and the
restart. After the restart every payout must be final, credited exactly once,
sent exactly once (what was sent before the crash is resolved by a status
query), the ledger must hold and the rail's statement must reconcile with no discrepancy.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from skillsprogram_sandbox_rails.ledger import RailBooks
from skillsprogram_sandbox_rails.rail import statement_csv
from sqlalchemy import func, select

from skillsprogram.config import ProgrammeConfig, parse_config
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import LedgerTransaction, Payout
from skillsprogram.services import reconciliation
from skillsprogram.services.faults import FAULT_ENV, PAYOUT_POINTS, checkpoint
from tests.conftest import TESTLAND
from tests.money.helpers import ledger_problems, payouts_by_status, with_payouts

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-secret-that-is-long-enough"

#: (crash point, at which occurrence): claimed and died before any send; died before the
#: third send; died after the third send was booked, before recording; died after the first
#: chunk was committed.
CRASHES = [("after_claim", 1), ("before_send", 3), ("after_send", 3), ("after_commit", 1)]
#: Credits the rail had booked when the worker died (chunks of 5).
CREDITED_AT_CRASH = {"after_claim": 0, "before_send": 2, "after_send": 3, "after_commit": 5}


def test_the_crash_tests_cover_every_crash_point_of_the_payout_worker() -> None:
    assert [point for point, _nth in CRASHES] == list(PAYOUT_POINTS)
    assert set(CREDITED_AT_CRASH) == set(PAYOUT_POINTS)


def test_a_misspelt_crash_point_is_refused_rather_than_never_reached(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAULT_ENV, "after_sned:2")
    with pytest.raises(ValueError, match="names no crash point"):
        checkpoint("after_send")


@pytest.fixture
def rail_books(tmp_path: Path) -> Path:
    """Where the sandbox rail keeps its books (shared by every process of the test)."""
    return tmp_path / "rail-books.db"


@pytest.fixture
def config(rail_books: Path) -> ProgrammeConfig:
    """Testland with the sandbox rail's books in a file."""
    raw = tomllib.loads(TESTLAND.read_text())
    raw["plugin_settings"]["sandbox_rails"]["state_path"] = str(rail_books)
    raw["plugin_settings"]["sandbox_rails"]["latency_ms"] = 40  # so that workers overlap
    return parse_config(raw, source="testland with durable rail books")


def worker(database_url: str, *args: str, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``skillsprogram payouts run`` in a fresh process, optionally set to die at ``fault``."""
    env = {**os.environ, "SKILLSPROGRAM_SECRET_KEY": SECRET, "PYTHONPATH": str(ROOT)}
    env.pop(FAULT_ENV, None)
    if fault:
        env[FAULT_ENV] = fault
    command = [sys.executable, "-m", "skillsprogram.cli", "payouts", "run", "-p", "testland-2025"]
    command += ["--database-url", database_url, *args]
    return subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def credits(books_path: Path) -> dict[str, int]:
    books = RailBooks(books_path)
    return books.paid_keys("wallet")


def sends(books_path: Path, key: str) -> int:
    return RailBooks(books_path).requests("wallet", key, "send")


@pytest.mark.parametrize(("point", "nth"), CRASHES, ids=[f"{p}:{n}" for p, n in CRASHES])
def test_a_worker_killed_at_any_point_loses_nothing_and_pays_nothing_twice(
    ctx: ProgrammeContext, database_url: str, rail_books: Path, point: str, nth: int
) -> None:
    with_payouts(ctx, 6)  # 12 payouts, all due by the wall clock the workers use
    crashed = worker(database_url, "--chunk", "5", "--lease", "1", fault=f"{point}:{nth}")
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    before = payouts_by_status(ctx)
    credited_at_crash = len(credits(rail_books))
    assert credited_at_crash == CREDITED_AT_CRASH[point]
    time.sleep(1.2)  # the dead worker's lease runs out
    restarted = worker(database_url, "--chunk", "5", "--lease", "60")
    assert restarted.returncode == 0, restarted.stderr
    assert payouts_by_status(ctx) == {"paid": 12}
    with ctx.uow() as uow:
        keys = list(uow.session.execute(select(Payout.idempotency_key)).scalars())
        postings = uow.session.execute(
            select(func.count()).select_from(LedgerTransaction).where(LedgerTransaction.kind == "payout")
        ).scalar_one()
    booked = credits(rail_books)
    assert sorted(booked) == sorted(keys) and set(booked.values()) == {1}
    assert [sends(rail_books, k) for k in keys] == [1] * 12
    assert postings == 12
    assert ledger_problems(ctx) == []
    far_past, far_future = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    statement = statement_csv("wallet", RailBooks(rail_books), far_past, far_future).encode()
    with ctx.uow() as uow:
        report = reconciliation.reconcile(uow, ctx, "wallet", statement, far_past, far_future)
    assert (report.matched, report.discrepancies) == (12, [])
    resolved = sum(1 for k in keys if RailBooks(rail_books).requests("wallet", k, "status"))
    print(
        f"\n[{ctx.engine.dialect.name}] crash at {point}:{nth}: {credited_at_crash} credited, "
        f"database {before}; "
        f"after: 12 paid, 12 credits, 12 sends, {resolved} resolved by status query"
    )


def test_several_worker_processes_never_send_a_payout_twice(
    ctx: ProgrammeContext, database_url: str, rail_books: Path
) -> None:
    with_payouts(ctx, 15)  # 30 payouts
    result = worker(database_url, "--workers", "3", "--chunk", "2")
    assert result.returncode == 0, result.stderr
    assert payouts_by_status(ctx) == {"paid": 30}
    booked = credits(rail_books)
    assert len(booked) == 30 and set(booked.values()) == {1}
    assert {sends(rail_books, k) for k in booked} == {1}
    with ctx.uow() as uow:
        processes = RailBooks(rail_books)._db.execute("select count(distinct pid) from request").fetchone()[0]
        assert uow.session.execute(select(func.count()).select_from(Payout)).scalar_one() == 30
    assert processes >= 2  # the work really was shared
    assert ledger_problems(ctx) == []
