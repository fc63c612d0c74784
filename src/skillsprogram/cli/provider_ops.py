"""``skillsprogram run ...`` steps for programmes that pay providers and follow graduates up:
monthly attendance uploads, provider settlements and employment follow-up records.

Uploads are CSV files with a header row; each row is accepted or refused on its own,
and the command prints how many were accepted and, by rule, how many refused.
"""

from __future__ import annotations

import csv
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from skillsprogram.cli.feedback import console, refusing
from skillsprogram.cli.options import DatabaseOption, Programme, programme_context
from skillsprogram.context import ProgrammeContext
from skillsprogram.errors import ValidationFailed
from skillsprogram.services import employment, settlements, training
from skillsprogram.services.outcomes import Outcome

CsvFile = Annotated[Path, typer.Option("--file", exists=True, dir_okay=False, help="The CSV upload")]
T = TypeVar("T")
CHUNK = 1_000


def read_rows(path: Path, columns: Sequence[str]) -> list[dict[str, str]]:
    """The rows of a CSV upload; a missing column refuses the whole file, naming it."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationFailed(f"{path}: missing column(s) {missing}", code="invalid-upload")
        return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def _upload(
    ctx: ProgrammeContext,
    items: list[T],
    action: Callable[[Any, list[T]], list[Outcome[Any]]],
) -> Counter[str]:
    counts: Counter[str] = Counter()
    for start in range(0, len(items), CHUNK):
        with ctx.transaction() as uow:
            for outcome in action(uow, items[start : start + CHUNK]):
                counts["accepted" if outcome.error is None else f"refused: {outcome.error.code}"] += 1
    return counts


def _uuid(value: str, column: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValidationFailed(f"{column} {value!r} is not an id", code="invalid-upload") from None


def _print(counts: Counter[str]) -> None:
    console.print(", ".join(f"{k}: {v:,}" for k, v in sorted(counts.items())) or "nothing in the file")


def report_attendance(programme: Programme, file: CsvFile, database_url: DatabaseOption = None) -> None:
    """Record a provider's monthly attendance upload (columns purchase_id, period, attendance_percent)."""
    rows = read_rows(file, ("purchase_id", "period", "attendance_percent"))
    requests = []
    for row in rows:
        if not row["attendance_percent"].isdigit():
            raise ValidationFailed(
                f"attendance_percent {row['attendance_percent']!r} is not a whole number",
                code="invalid-upload",
            )
        requests.append(
            training.AttendanceRequest(
                _uuid(row["purchase_id"], "purchase_id"), row["period"], int(row["attendance_percent"])
            )
        )
    ctx = programme_context(programme, database_url)
    _print(_upload(ctx, requests, lambda uow, chunk: training.report_attendance_many(uow, ctx, chunk)))


def record_employment(programme: Programme, file: CsvFile, database_url: DatabaseOption = None) -> None:
    r"""Record graduates' employment at follow-up (columns application_id, status, source\[, sector])."""
    rows = read_rows(file, ("application_id", "status", "source"))
    reports = [
        employment.EmploymentReport(
            _uuid(row["application_id"], "application_id"),
            row["status"],
            row["source"],
            row.get("sector") or None,
        )
        for row in rows
    ]
    ctx = programme_context(programme, database_url)
    _print(_upload(ctx, reports, lambda uow, chunk: employment.record_employment_many(uow, ctx, chunk)))


def settle_providers(programme: Programme, database_url: DatabaseOption = None) -> None:
    r"""Pay providers what is due for their confirmed enrolments (configuration \[provider_settlement])."""
    run = settlements.settle_providers(programme_context(programme, database_url))
    outcomes = ", ".join(f"{k}: {v:,}" for k, v in sorted(run.outcomes.items())) or "nothing sent"
    console.print(
        f"{run.scheduled:,} settlements for {run.enrolments:,} enrolments scheduled; {outcomes}"
        + (f"; {run.awaiting_account:,} enrolments await a provider account" if run.awaiting_account else "")
    )


def register(operations: typer.Typer) -> None:
    """Add these steps to ``skillsprogram run``."""
    operations.command("report-attendance")(refusing(report_attendance))
    operations.command("record-employment")(refusing(record_employment))
    operations.command("settle-providers")(refusing(settle_providers))
