"""The sandbox rails' own books: which keys were credited, kept in SQLite.

A real rail remembers every payment it booked whatever happens to the caller;
this store plays that part. With a file path it survives process restarts and
is shared by several processes (each credit is one SQLite transaction).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

SCHEMA = """
create table if not exists credit (
    rail text not null,
    idempotency_key text not null,
    reference text not null,
    account_number text not null,
    amount integer not null,
    currency text not null,
    status text not null,
    reason text,
    booked_at text not null,
    primary key (rail, idempotency_key)
);
create table if not exists attempt (
    rail text not null,
    idempotency_key text not null,
    attempts integer not null,
    primary key (rail, idempotency_key)
);
create table if not exists request (
    rail text not null,
    idempotency_key text not null,
    kind text not null,
    pid integer not null
);
create table if not exists reservation (
    rail text not null,
    reference text not null,
    amount integer not null,
    primary key (rail, reference)
);
create index if not exists request_key on request (rail, idempotency_key, kind)
"""


@dataclass(frozen=True, slots=True)
class Booked:
    """A payment the rail has booked for a key."""

    reference: str
    account_number: str
    amount: int
    currency: str
    status: str
    reason: str | None
    booked_at: datetime


class RailBooks:
    """Thread- and process-safe record of credits per (rail, key)."""

    def __init__(self, path: Path | None) -> None:
        self._lock = threading.Lock()
        target = str(path) if path else ":memory:"
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None, timeout=30)
        if path:
            self._use_wal()
        self._db.executescript(SCHEMA)

    def _use_wal(self) -> None:
        # Switching to WAL takes the file exclusively for a moment, and SQLite answers
        # "locked" at once, without waiting, when another process is opening the same
        # books: workers started together retry for a few seconds.
        for attempt in range(100):
            try:
                self._db.execute("pragma journal_mode=wal")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or attempt == 99:
                    raise
                time.sleep(0.05)

    def find(self, rail: str, key: str) -> Booked | None:
        """What was booked for ``key`` on ``rail``."""
        with self._lock:
            row = self._db.execute(
                "select reference, account_number, amount, currency, status, reason, booked_at"
                " from credit where rail = ? and idempotency_key = ?",
                (rail, key),
            ).fetchone()
        return None if row is None else Booked(*row[:6], datetime.fromisoformat(row[6]))

    def book(self, rail: str, key: str, entry: Booked) -> Booked:
        """Book ``entry`` for ``key`` unless something is already booked; returns what stands."""
        with self._lock:
            self._db.execute("begin immediate")
            try:
                row = self._db.execute(
                    "select 1 from credit where rail = ? and idempotency_key = ?", (rail, key)
                ).fetchone()
                if row is None:
                    self._db.execute(
                        "insert into credit values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            rail,
                            key,
                            entry.reference,
                            entry.account_number,
                            entry.amount,
                            entry.currency,
                            entry.status,
                            entry.reason,
                            entry.booked_at.isoformat(),
                        ),
                    )
                self._db.execute("commit")
            except BaseException:
                self._db.execute("rollback")
                raise
        booked = self.find(rail, key)
        assert booked is not None
        return booked

    def next_attempt(self, rail: str, key: str) -> int:
        """Count one more attempt for ``key``; returns its number (1 for the first)."""
        with self._lock:
            self._db.execute("begin immediate")
            try:
                self._db.execute(
                    "insert into attempt values (?, ?, 1) on conflict (rail, idempotency_key)"
                    " do update set attempts = attempts + 1",
                    (rail, key),
                )
                (attempts,) = self._db.execute(
                    "select attempts from attempt where rail = ? and idempotency_key = ?", (rail, key)
                ).fetchone()
                self._db.execute("commit")
            except BaseException:
                self._db.execute("rollback")
                raise
        return int(attempts)

    def log_request(self, rail: str, key: str, kind: str) -> None:
        """Remember that a ``send`` or ``status`` request for ``key`` arrived (and from which process)."""
        with self._lock:
            self._db.execute("insert into request values (?, ?, ?, ?)", (rail, key, kind, os.getpid()))

    def requests(self, rail: str, key: str, kind: str) -> int:
        """How many ``kind`` requests arrived for ``key``, from every process."""
        with self._lock:
            (count,) = self._db.execute(
                "select count(*) from request where rail = ? and idempotency_key = ? and kind = ?",
                (rail, key, kind),
            ).fetchone()
        return int(count)

    def paid_keys(self, rail: str) -> dict[str, int]:
        """Every key credited on ``rail`` with its number of credits (the primary key makes it 1)."""
        with self._lock:
            rows = self._db.execute(
                "select idempotency_key, count(*) from credit where rail = ? and status = 'paid'"
                " group by idempotency_key",
                (rail,),
            ).fetchall()
        return {key: int(count) for key, count in rows}

    def reserve(self, rail: str, reference: str, amount: int, float_balance: int | None) -> str | None:
        """Reserve ``amount`` of the float under ``reference`` (once per reference); ``None``
        when the float cannot cover it. Returns the reservation's id."""
        with self._lock:
            self._db.execute("begin immediate")
            try:
                row = self._db.execute(
                    "select amount from reservation where rail = ? and reference = ?", (rail, reference)
                ).fetchone()
                if row is None:
                    (used,) = self._db.execute(
                        "select coalesce(sum(amount), 0) from reservation where rail = ?", (rail,)
                    ).fetchone()
                    if float_balance is not None and used + amount > float_balance:
                        self._db.execute("rollback")
                        return None
                    self._db.execute("insert into reservation values (?, ?, ?)", (rail, reference, amount))
                self._db.execute("commit")
            except BaseException:
                self._db.execute("rollback")
                raise
        return f"{rail.upper()}-RSV-{reference}"

    def between(self, rail: str, since: datetime, until: datetime) -> list[tuple[str, Booked]]:
        """Keys and bookings in [since, until), oldest first."""
        with self._lock:
            rows = self._db.execute(
                "select idempotency_key, reference, account_number, amount, currency, status, reason,"
                " booked_at from credit where rail = ? and booked_at >= ? and booked_at < ?"
                " order by booked_at, idempotency_key",
                (rail, since.isoformat(), until.isoformat()),
            ).fetchall()
        return [(row[0], Booked(*row[1:7], datetime.fromisoformat(row[7]))) for row in rows]
