"""Reconcile a rail's statement with our payouts.

The statement is a CSV file (UTF-8, header row, comma-separated) with the
columns of :data:`STATEMENT_COLUMNS`: the idempotency key the payout was sent
with, the rail's reference, the amount in minor units, the ISO 4217 currency,
the booking time (ISO 8601) and the status (``paid``). Each line must match
exactly one payout of ours on that rail (by key); the report lists:

* ``theirs_only``: a line naming a key we never sent on that rail;
* ``ours_only``: a payout we hold as paid in the period that no line names;
* ``amount_mismatch`` / ``currency_mismatch`` / ``reference_mismatch``: a line that
  disagrees with its payout;
* ``status_mismatch``: the rail booked a payment we do not hold as paid;
* ``duplicate``: a key on more than one line;
* ``malformed``: a line that does not parse (named with its column).

The file is read by ``services/imports.py``: a file that is not UTF-8 text or whose
header lacks a column is refused as a whole. Reconciliation reports; it never moves
money. A statement file is imported once, in one transaction with its discrepancies.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, StrictInt, StringConstraints
from sqlalchemy import select
from sqlmodel import col

from skillsprogram.clock import as_utc
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.lifecycle import PayoutStatus
from skillsprogram.domain.models import Payout
from skillsprogram.domain.payments import RailStatement, StatementDiscrepancy
from skillsprogram.errors import DomainError
from skillsprogram.services.imports import PRINTABLE, Row, ascii_digits, read_csv
from skillsprogram.storage.uow import UnitOfWork

STATEMENT_COLUMNS = ("idempotency_key", "reference", "amount", "currency", "booked_at", "status")
#: Every way a statement line and our books can disagree (the report's ``kind`` column).
DiscrepancyKind = Literal[
    "theirs_only",
    "ours_only",
    "amount_mismatch",
    "currency_mismatch",
    "reference_mismatch",
    "status_mismatch",
    "duplicate",
    "malformed",
]


class StatementAlreadyImported(DomainError):
    """The same statement file was imported before."""

    code = "statement-already-imported"


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """One disagreement between the statement and our books."""

    kind: DiscrepancyKind
    detail: str
    line_number: int | None = None
    idempotency_key: str | None = None
    payout_id: object | None = None


@dataclass
class ReconciliationReport:
    """How many lines, how many matched, and every discrepancy."""

    lines: int = 0
    matched: int = 0
    discrepancies: list[Discrepancy] = field(default_factory=list)

    def count(self, kind: DiscrepancyKind) -> int:
        """How many discrepancies of ``kind``."""
        return sum(1 for d in self.discrepancies if d.kind == kind)


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    key: str
    reference: str
    amount: int
    currency: str
    status: str


def _timestamp(value: str) -> str:
    if not value.isascii():
        raise ValueError("is not an ISO 8601 time written in ASCII")
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("is not an ISO 8601 time") from None
    return value


class StatementRow(Row):
    """One line of a rail statement."""

    idempotency_key: Annotated[str, StringConstraints(max_length=160), PRINTABLE]
    reference: Annotated[str, StringConstraints(max_length=128), PRINTABLE] = ""
    amount: Annotated[StrictInt, ascii_digits(18)]
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")]
    booked_at: Annotated[str, StringConstraints(max_length=40), AfterValidator(_timestamp)]
    status: Annotated[str, StringConstraints(max_length=24), PRINTABLE]


def _parse(content: bytes, report: ReconciliationReport) -> list[_Line]:
    rows = read_csv(content, StatementRow)
    report.lines = rows.total
    said: defaultdict[int, list[str]] = defaultdict(list)
    for problem in rows.problems:
        said[problem.line].append(problem.detail)
    report.discrepancies.extend(Discrepancy("malformed", "; ".join(m), n) for n, m in sorted(said.items()))
    return [
        _Line(number, r.idempotency_key, r.reference, r.amount, r.currency.upper(), r.status.lower())
        for number, r in rows.rows
    ]


def reconcile(
    uow: UnitOfWork, ctx: ProgrammeContext, rail: str, content: bytes, since: datetime, until: datetime
) -> ReconciliationReport:
    """Compare a statement with our payouts on ``rail`` (paid in [since, until)); writes nothing."""
    report = ReconciliationReport()
    lines = _parse(content, report)
    query = select(Payout).where(col(Payout.programme_id) == ctx.pid, col(Payout.rail) == rail)
    ours: dict[str, Payout] = {
        p.idempotency_key: p
        for p in uow.scalars_among(query, col(Payout.idempotency_key), {line.key for line in lines})
    }
    seen: set[str] = set()
    for line in lines:
        found = ours.get(line.key)
        payout_id = found.id if found else None
        problem: tuple[DiscrepancyKind, str] | None = None
        if line.key in seen:
            problem = ("duplicate", f"key {line.key} is on more than one line")
        elif found is None:
            problem = ("theirs_only", f"key {line.key} names no payout of ours on {rail}")
        elif line.currency != found.currency:
            problem = (
                "currency_mismatch",
                f"{line.currency} on the statement, {found.currency} in our payout",
            )
        elif line.amount != found.amount:
            problem = ("amount_mismatch", f"{line.amount} on the statement, {found.amount} in our payout")
        elif line.status != "paid" or found.status != PayoutStatus.PAID.value:
            problem = (
                "status_mismatch",
                f"the rail says {line.status}, we hold the payout as {found.status}",
            )
        elif found.rail_reference and line.reference != found.rail_reference:
            problem = (
                "reference_mismatch",
                f"reference {line.reference} on the statement, {found.rail_reference} in our payout",
            )
        seen.add(line.key)
        if problem is None:
            report.matched += 1
        else:
            report.discrepancies.append(Discrepancy(problem[0], problem[1], line.number, line.key, payout_id))
    paid = uow.session.execute(
        select(col(Payout.id), col(Payout.idempotency_key)).where(
            col(Payout.programme_id) == ctx.pid,
            col(Payout.rail) == rail,
            col(Payout.status) == PayoutStatus.PAID.value,
            col(Payout.updated_at) >= as_utc(since),
            col(Payout.updated_at) < as_utc(until),
        )
    ).all()
    for payout_id, key in paid:
        if key not in seen:
            report.discrepancies.append(
                Discrepancy(
                    "ours_only", f"payout {key} is paid but not on the statement", None, key, payout_id
                )
            )
    return report


def import_statement(
    uow: UnitOfWork, ctx: ProgrammeContext, rail: str, content: bytes, since: datetime, until: datetime
) -> ReconciliationReport:
    """Reconcile a statement and keep it with its discrepancies (refused if imported before)."""
    ctx.rail(rail)  # an unknown rail is refused by name
    digest = hashlib.sha256(content).hexdigest()
    already = uow.session.execute(
        select(col(RailStatement.id)).where(
            col(RailStatement.programme_id) == ctx.pid,
            col(RailStatement.rail) == rail,
            col(RailStatement.digest) == digest,
        )
    ).first()
    if already is not None:
        raise StatementAlreadyImported(f"this {rail} statement was imported before (statement {already[0]})")
    report = reconcile(uow, ctx, rail, content, since, until)
    statement = RailStatement(
        programme_id=ctx.pid,
        rail=rail,
        digest=digest,
        since=as_utc(since),
        until=as_utc(until),
        lines=report.lines,
        matched=report.matched,
        imported_at=ctx.clock.now(),
    )
    uow.session.add(statement)
    uow.session.flush()
    uow.insert_rows(
        StatementDiscrepancy,
        [
            {
                "statement_id": statement.id,
                "kind": d.kind,
                "line_number": d.line_number,
                "idempotency_key": d.idempotency_key,
                "payout_id": d.payout_id,
                "detail": d.detail,
            }
            for d in report.discrepancies
        ],
    )
    return report
