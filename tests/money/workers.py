"""Payout worker processes for the tests: a programme whose payouts go through two rails,
long-lived worker processes that start their runs together, and the CLI's worker tree."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
import tomllib
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from skillsprogram_sandbox_rails.ledger import RailBooks
from sqlalchemy import Engine, func, select
from sqlmodel import SQLModel

from skillsprogram.clock import FixedClock
from skillsprogram.config import ProgrammeConfig, parse_config
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import LedgerTransaction
from skillsprogram.privacy import PersonalDataVault
from skillsprogram.services import accounts
from skillsprogram.services.faults import FAULT_ENV
from tests.conftest import START, TESTLAND, start_testland
from tests.money.helpers import SECRET, all_ok, keys, ledger_problems, payouts_by_status, person_of, train
from tests.services.helpers import to_voucher

#: The rails of the two-rail programme, and the account number format of each.
RAILS = {
    "wallet": {"code": "wallet", "name": "Test wallet (SANDBOX)", "account_pattern": r"^W\d{9}$"},
    "bank": {"code": "bank", "name": "Test bank (SANDBOX)", "kind": "bank", "account_pattern": r"^B\d{9}$"},
}


def two_rail_config(books: Path, latency_ms: int = 30) -> ProgrammeConfig:
    """Testland paying through a wallet and a bank, with the rails' books in a file that every
    process shares (so that sends and credits are counted across processes)."""
    raw = tomllib.loads(TESTLAND.read_text())
    settings = raw["plugin_settings"]["sandbox_rails"]
    settings["rails"] = list(RAILS.values())
    settings["state_path"] = str(books)
    settings["latency_ms"] = latency_ms  # so that the workers' runs overlap
    return parse_config(raw, source="testland with two rails")


def empty(engine: Engine) -> None:
    """Delete every row of every table (a fresh database at the head revision)."""
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())


def start(engine: Engine, config: ProgrammeConfig) -> ProgrammeContext:
    """A started Testland programme with regions, catalogue and wave 1 open (as the ``ctx``
    fixture, for tests that start one programme per round)."""
    vault = PersonalDataVault(SECRET)
    return start_testland(ProgrammeContext(config, engine, vault, FixedClock(START), actor="test"))


def with_payouts_on_two_rails(ctx: ProgrammeContext, count: int) -> list[uuid.UUID]:
    """``count`` trained beneficiaries, paid alternately through the bank and the wallet in
    pairs (bank, wallet, wallet, bank, ...), so that workers claiming two at a time meet the
    rails in opposite orders; 2 payouts each, one due now."""
    holders = to_voucher(ctx, count)
    order = ["bank", "wallet", "wallet", "bank"]
    with ctx.transaction() as uow:
        requests = []
        for i, holder in enumerate(holders):
            rail = order[i % len(order)]
            number = f"{rail[0].upper()}{i:09d}"
            requests.append(accounts.AccountRequest(person_of(ctx, holder), rail, number))
        all_ok(accounts.add_payment_accounts(uow, ctx, requests))
    train(ctx, holders)
    return holders


def _serve(database_url: str, connection: Any, barrier: Any, chunk: int) -> None:
    """A worker process: on each message, load the programme, wait for the other workers,
    run every due payout, and answer with the outcomes or the error that stopped it."""
    from skillsprogram.context import load_programme
    from skillsprogram.services import payouts
    from skillsprogram.storage.db import make_engine

    engine = make_engine(database_url)
    while connection.recv() == "run":
        try:
            ctx = load_programme(engine, PersonalDataVault(SECRET), "testland-2025")
            barrier.wait(timeout=60)
            run = payouts.run_payouts(ctx, chunk=chunk)
            connection.send(("ok", dict(run.outcomes)))
        except Exception as exc:
            connection.send(("error", f"{type(exc).__name__}: {exc}".splitlines()[0]))
    engine.dispose()


class Workers:
    """Worker processes that each run every due payout when told, all starting together."""

    def __init__(self, database_url: str, count: int, chunk: int) -> None:
        spawn = multiprocessing.get_context("spawn")
        barrier = self.barrier = spawn.Barrier(count)  # kept: its semaphores die with it
        self.connections = []
        self.processes = []
        for _ in range(count):
            ours, theirs = spawn.Pipe()
            process = spawn.Process(target=_serve, args=(database_url, theirs, barrier, chunk), daemon=True)
            process.start()
            self.connections.append(ours)
            self.processes.append(process)

    def run(self, timeout: float = 120) -> list[tuple[str, Any]]:
        """One run in every worker at once; each worker's answer."""
        for connection in self.connections:
            connection.send("run")
        answers = []
        for connection in self.connections:
            if not connection.poll(timeout):
                raise TimeoutError(f"a worker did not answer within {timeout} s")
            answers.append(connection.recv())
        return answers

    def close(self) -> None:
        """Stop the workers."""
        for connection in self.connections:
            connection.send("stop")
        for process in self.processes:
            process.join(timeout=30)


ROOT = Path(__file__).resolve().parents[2]


def command(database_url: str, *args: str, programme: str = "testland-2025") -> subprocess.Popen[str]:
    """Start ``skillsprogram ARGS -p PROGRAMME`` in a process (and session) of its own."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "SKILLSPROGRAM_SECRET_KEY": SECRET, "PYTHONPATH": path}
    env.pop(FAULT_ENV, None)
    argv = [sys.executable, "-m", "skillsprogram.cli", *args, "-p", programme]
    return subprocess.Popen(
        [*argv, "--database-url", database_url],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so that a parent that hangs is stopped with all its workers
    )


def worker_pids(parent: int) -> list[int]:
    """The worker processes ``parent`` spawned (not its resource tracker)."""
    try:
        children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    except OSError:
        return []
    pids = []
    for child in map(int, children):
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                pids.append(child)
        except OSError:
            continue
    return sorted(pids)


def finish(process: subprocess.Popen[str], timeout: float) -> tuple[int | None, str]:
    """Wait up to ``timeout`` seconds for ``process``: its exit code (``None`` when it hung and
    was killed, with every process of its session) and its output."""
    try:
        out, err = process.communicate(timeout=timeout)
        return process.returncode, out + err
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        return None, out + err


#: Seconds a parent gets to notice a death and exit before it counts as hung.
EXIT_WITHIN = float(os.environ.get("SKILLSPROGRAM_TEST_EXIT_WITHIN", "60"))
#: What must never happen in a kill cycle.
KILL_FAILURES = ("hung", "exit code not 1", "death not reported", "rerun failed", "duplicated", "lost")


def kill_cycle(engine: Engine, database_url: str, books: Path, chance: random.Random) -> Counter[str]:
    """On a fresh programme with 20 payouts due on two rails, start ``payouts run --workers 2``,
    SIGKILL one worker at a random moment of the run, wait for the parent, run again once the
    dead worker's claims have expired, and count what went wrong (see ``KILL_FAILURES``),
    with the ledger's violations and the seconds the parent took to exit."""
    empty(engine)
    ctx = start(engine, two_rail_config(books, latency_ms=100))
    with_payouts_on_two_rails(ctx, 10)
    figures: Counter[str] = Counter(cycles=1)
    parent = command(database_url, "payouts", "run", "--workers", "2", "--chunk", "2", "--lease", "1")
    victim = _kill_one_worker(parent.pid, books, chance)
    began = time.monotonic()
    code, output = finish(parent, EXIT_WITHIN)
    figures["exit (s)"] = round(time.monotonic() - began)
    figures["hung"] += code is None
    figures["exit code not 1"] += code is not None and code != 1
    last = output.strip().splitlines()[-1:] or [""]
    reported = last[0].startswith("stopped worker") and f"(pid {victim}) was killed by SIGKILL" in last[0]
    figures["death not reported"] += not reported or "Traceback" in output
    time.sleep(1.2)  # the dead worker's claims outlive it by their one-second lease
    code, _ = finish(command(database_url, "payouts", "run"), EXIT_WITHIN)
    figures["rerun failed"] += code != 0
    rail_books = RailBooks(books)
    final = payouts_by_status(ctx)
    paid = keys(ctx, "paid")
    credited = rail_books.paid_keys("wallet") | rail_books.paid_keys("bank")
    sent = {k: sum(rail_books.requests(r, k, "send") for r in RAILS) for k in keys(ctx)}
    asked = {k: sum(rail_books.requests(r, k, "status") for r in RAILS) for k in keys(ctx)}
    with ctx.uow() as uow:
        postings = uow.session.execute(
            select(func.count()).select_from(LedgerTransaction).where(LedgerTransaction.kind == "payout")
        ).scalar_one()
    figures["duplicated"] += sum(n - 1 for n in credited.values()) + postings - len(paid)
    # A send resent without first asking the rail about its key could pay twice.
    figures["duplicated"] += sum(1 for k, n in sent.items() if n > 1 and not asked[k])
    figures["lost"] += 20 - final.get("paid", 0) - final.get("failed", 0) + len(set(credited) ^ set(paid))
    # A send may die in the rail before it books anything: sent again once the rail said so.
    figures["resent after asking"] += sum(1 for n in sent.values() if n > 1)
    figures["ledger violations"] += len(ledger_problems(ctx))  # what ``ledger verify`` checks
    return figures


def _kill_one_worker(parent: int, books: Path, chance: random.Random) -> int:
    """Once a worker of ``parent`` has called a rail, SIGKILL one of the two at a random moment
    of the run (each worker's sends take a second at least); returns its pid."""
    deadline = time.monotonic() + EXIT_WITHIN
    while not _calls_from(books, pids := worker_pids(parent)):
        assert time.monotonic() < deadline, "the workers never called a rail"
        time.sleep(0.01)
    victim = chance.choice(pids)
    time.sleep(chance.uniform(0.0, 0.6))
    os.kill(victim, signal.SIGKILL)
    return victim


def _calls_from(books: Path, pids: list[int]) -> int:
    if len(pids) < 2 or not books.exists():
        return 0
    marks = ",".join("?" * len(pids))
    query = f"select count(*) from request where pid in ({marks})"
    return int(RailBooks(books)._db.execute(query, pids).fetchone()[0])
