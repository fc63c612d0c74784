"""Payout worker processes for the tests: a programme whose payouts go through two rails,
long-lived worker processes that start their runs together, and the CLI's worker tree."""

from __future__ import annotations

import multiprocessing
import tomllib
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import SQLModel

from skillsprogram.clock import FixedClock
from skillsprogram.config import ProgrammeConfig, parse_config
from skillsprogram.context import ProgrammeContext
from skillsprogram.privacy import PersonalDataVault
from skillsprogram.services import accounts
from tests.conftest import START, TESTLAND, start_testland
from tests.money.helpers import SECRET, all_ok, person_of, train
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
