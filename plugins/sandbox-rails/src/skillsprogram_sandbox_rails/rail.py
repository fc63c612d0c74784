"""A SANDBOX payment rail that answers like a real one, and never moves real money.

Its fate for each request is drawn from SHA-256(seed, rail, key, what), so a
demo is reproducible. A key is credited at most once however often it is sent;
a timeout may hide a credit that did happen (``status`` then says ``paid``), as
on real rails.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import cast

from skillsprogram.plugin import (
    AccountCheck,
    FundingAnswer,
    PaymentInstruction,
    RailCallback,
    RailResult,
    RailTimeout,
    StatementLine,
)
from skillsprogram_sandbox_rails.ledger import Booked, RailBooks
from skillsprogram_sandbox_rails.settings import RailSettings, SandboxRailsSettings

Clock = Callable[[], datetime]

#: Columns of the statement CSV, in order.
STATEMENT_COLUMNS = ("idempotency_key", "reference", "amount", "currency", "booked_at", "status")


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class SandboxRail:
    """One simulated e-wallet, bank or mobile-money rail (SANDBOX)."""

    def __init__(
        self,
        rail: RailSettings,
        settings: SandboxRailsSettings,
        books: RailBooks,
        currencies: tuple[str, ...],
        clock: Clock = _wall_clock,
    ) -> None:
        self.code = rail.code
        self.name = rail.name if "SANDBOX" in rail.name.upper() else f"{rail.name} (SANDBOX)"
        self.kind = rail.kind
        self.holds_float = rail.holds_float
        self.currencies = rail.currencies or currencies
        self._pattern = re.compile(rail.account_pattern)
        self._settings = settings
        self._books = books
        self._clock = clock

    def _chance(self, *parts: object) -> float:
        digest = hashlib.sha256(
            ":".join(map(str, (self._settings.seed, self.code, *parts))).encode()
        ).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def _wait(self) -> None:
        if self._settings.latency_ms:
            time.sleep(self._settings.latency_ms / 1000)

    def validate_account(self, account_number: str, holder_name: str) -> AccountCheck:
        """Does the account exist, and in whose name (as the rail's records say)?"""
        self._wait()
        if not self._pattern.fullmatch(account_number):
            return AccountCheck(False, reason=f"not a {self.name} account number")
        if self._chance("invalid", account_number) < self._settings.invalid_account_rate:
            return AccountCheck(False, reason="no such account")
        if self._chance("name", account_number) < self._settings.name_mismatch_rate:
            return AccountCheck(True, holder_name=f"{holder_name.split()[0]} Other")
        return AccountCheck(True, holder_name=holder_name)

    def send(self, instruction: PaymentInstruction) -> RailResult:
        """Credit the account once per idempotency key; may time out or fail like a real rail."""
        self._wait()
        key = instruction.idempotency_key
        self._books.log_request(self.code, key, "send")
        known = self._books.find(self.code, key)
        if known is not None:
            if (known.amount, known.account_number) != (instruction.amount, instruction.account_number):
                return RailResult(
                    "failed", reason="idempotency key reused with different details", permanent=True
                )
            return self._result(known)
        attempt = self._books.next_attempt(self.code, key)
        if instruction.currency not in self.currencies:
            return self._book(instruction, "failed", f"{self.name} does not pay in {instruction.currency}")
        if not self._pattern.fullmatch(instruction.account_number):
            return self._book(instruction, "failed", "no such account")
        if self._chance("closed", instruction.account_number) < self._settings.closed_account_rate:
            return self._book(instruction, "failed", "account closed")
        if self._chance("busy", key, attempt) < self._settings.transient_failure_rate:
            return RailResult("failed", reason="rail busy, try again later", permanent=False)
        if self._chance("timeout", key, attempt) < self._settings.timeout_rate:
            if self._chance("processed", key, attempt) < self._settings.processed_before_timeout_rate:
                self._book(instruction, "paid", None)
            raise RailTimeout(f"{self.name} did not answer in time")
        booked = self._book(instruction, "paid", None)
        if self._chance("garbage", key, attempt) < self._settings.garbage_rate:
            # The credit is booked but the answer is mangled on the way back.
            return cast(RailResult, {"status": "OK", "ref": booked.reference})
        return booked

    def _book(self, instruction: PaymentInstruction, status: str, reason: str | None) -> RailResult:
        reference = (
            f"{self.code.upper()}-"
            + hashlib.sha256(f"{self._settings.seed}:{instruction.idempotency_key}".encode())
            .hexdigest()[:16]
            .upper()
        )
        booked = self._books.book(
            self.code,
            instruction.idempotency_key,
            Booked(
                reference,
                instruction.account_number,
                instruction.amount,
                instruction.currency,
                status,
                reason,
                self._clock(),
            ),
        )
        return self._result(booked)

    @staticmethod
    def _result(booked: Booked) -> RailResult:
        if booked.status == "paid":
            return RailResult("paid", reference=booked.reference)
        return RailResult("failed", reference=booked.reference, reason=booked.reason, permanent=True)

    def status(self, idempotency_key: str) -> RailResult:
        """What became of the payment with this key (``not_found`` if it never arrived)."""
        self._wait()
        self._books.log_request(self.code, idempotency_key, "status")
        booked = self._books.find(self.code, idempotency_key)
        return RailResult("not_found") if booked is None else self._result(booked)

    def credits_for(self, idempotency_key: str) -> int:
        """How many times the key was credited: 0 or 1, whatever was sent."""
        booked = self._books.find(self.code, idempotency_key)
        return int(booked is not None and booked.status == "paid")

    def sends_for(self, idempotency_key: str) -> int:
        """How many send requests arrived for the key, from every process."""
        return self._books.requests(self.code, idempotency_key, "send")

    def credited_keys(self) -> dict[str, int]:
        """Every credited key with its number of credits."""
        return self._books.paid_keys(self.code)

    def callbacks(self, since: datetime, until: datetime) -> list[RailCallback]:
        """The status messages the rail pushes for bookings in [since, until); some are sent
        twice (``duplicate_callback_rate``), as real webhooks are."""
        sent = []
        for key, booked in self._books.between(self.code, since, until):
            callback = RailCallback(
                notice_id=f"{booked.reference}:{booked.status}",
                idempotency_key=key,
                status=booked.status,
                reference=booked.reference,
                amount=booked.amount,
                currency=booked.currency,
                reason=booked.reason,
            )
            sent.append(callback)
            if self._chance("duplicate-callback", key) < self._settings.duplicate_callback_rate:
                sent.append(callback)
        return sent

    def reserve_funds(self, reference: str, amount: int, currency: str) -> FundingAnswer:
        """Check and reserve ``amount`` on the programme's float at the rail (``float_balance``;
        unlimited when unset). The same reference reserves once. A rail that holds no float
        (``holds_float = false``) answers "not funded"."""
        self._wait()
        if not self.holds_float:
            return FundingAnswer(
                False, reason=f"{self.name} holds no programme float: a sponsor bank must fund it"
            )
        if currency not in self.currencies:
            return FundingAnswer(False, reason=f"{self.name} holds no {currency} float")
        reserved = self._books.reserve(self.code, reference, amount, self._settings.float_balance)
        if reserved is None:
            return FundingAnswer(False, reason=f"the float at {self.name} cannot cover {amount} {currency}")
        return FundingAnswer(True, reservation=reserved)

    def statement(self, since: datetime, until: datetime) -> list[StatementLine]:
        """The credits booked in [since, until)."""
        return statement_lines(self.code, self._books, since, until)

    def statement_csv(self, since: datetime, until: datetime) -> str:
        """The statement as CSV with the columns of :data:`STATEMENT_COLUMNS`."""
        return statement_csv(self.code, self._books, since, until)


def statement_lines(rail: str, books: RailBooks, since: datetime, until: datetime) -> list[StatementLine]:
    """The credits ``rail`` booked in [since, until), from its books."""
    return [
        StatementLine(key, b.reference, b.amount, b.currency, b.booked_at, "paid")
        for key, b in books.between(rail, since, until)
        if b.status == "paid"
    ]


def statement_csv(rail: str, books: RailBooks, since: datetime, until: datetime) -> str:
    """The statement of ``rail`` as CSV with the columns of :data:`STATEMENT_COLUMNS`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STATEMENT_COLUMNS)
    for line in statement_lines(rail, books, since, until):
        writer.writerow(
            (
                line.idempotency_key,
                line.reference,
                line.amount,
                line.currency,
                line.booked_at.astimezone(UTC).isoformat(),
                line.status,
            )
        )
    return out.getvalue()
