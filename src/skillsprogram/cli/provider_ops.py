"""``skillsprogram run ...`` steps for programmes that pay providers and follow graduates up:
monthly attendance and completion uploads, provider settlements and employment follow-up
records.

Uploads are CSV files with a header row, read by ``services/imports.py``. Attendance and
completions are written row by row (each month a provider reports may earn an allowance
at once, each completion an incentive; the portal's upload page does the same);
employment records all or nothing (a follow-up survey is counted as a whole). See
``docs/imports.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from skillsprogram.cli import uploads
from skillsprogram.cli.feedback import console, refusing
from skillsprogram.cli.options import DatabaseOption, Programme, programme_context
from skillsprogram.services import employment, imports, settlements, training
from skillsprogram.services.uploads import all_or_nothing, row_by_row

CsvFile = Annotated[Path, typer.Option("--file", dir_okay=False, help="The CSV upload")]


def report_attendance(programme: Programme, file: CsvFile, database_url: DatabaseOption = None) -> None:
    """Record a provider's monthly attendance upload, row by row.

    Columns purchase_id, period (YYYY-MM, from the month the course was bought to this
    month) and attendance_percent (0 to 100). Each row is accepted or refused on its own:
    accepted rows are written, refused ones are listed by line and column. Exits 0 when
    every row was accepted, 1 when any was refused, 2 when the file cannot be read
    (nothing is written).
    """
    rows = imports.read_csv(imports.read_file(file), training.AttendanceRow)
    ctx = programme_context(programme, database_url)
    uploads.show(
        row_by_row(
            ctx,
            rows,
            training.AttendanceRow.request,
            lambda uow, chunk: training.report_attendance_many(uow, ctx, chunk),
        )
    )


def report_completions(programme: Programme, file: CsvFile, database_url: DatabaseOption = None) -> None:
    """Record a provider's completed courses, row by row.

    Columns purchase_id, certificate_number (unique across the programme) and, optionally,
    score (0 to 100). Each row is accepted or refused on its own: accepted rows are
    written, refused ones are listed by line and column. Exits 0 when every row was
    accepted, 1 when any was refused, 2 when the file cannot be read (nothing is written).
    """
    rows = imports.read_csv(imports.read_file(file), training.CompletedRow)
    ctx = programme_context(programme, database_url)
    uploads.show(
        row_by_row(
            ctx,
            rows,
            training.CompletedRow.report,
            lambda uow, chunk: training.complete_many(uow, ctx, chunk),
        )
    )


def record_employment(programme: Programme, file: CsvFile, database_url: DatabaseOption = None) -> None:
    """Record graduates' employment at follow-up, all or nothing.

    Columns application_id, status, source and, optionally, sector (at most 64
    characters). The whole file is validated first; if any row is refused, nothing is
    written and every refused row is listed by line and column. Exits 0 when every row
    was written, 1 when any was refused, 2 when the file cannot be read.
    """
    rows = imports.read_csv(imports.read_file(file), employment.EmploymentRow)
    ctx = programme_context(programme, database_url)
    uploads.show(
        all_or_nothing(
            ctx,
            rows,
            employment.EmploymentRow.report,
            lambda uow, chunk: employment.record_employment_many(uow, ctx, chunk),
        )
    )


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
    operations.command("report-completions")(refusing(report_completions))
    operations.command("record-employment")(refusing(record_employment))
    operations.command("settle-providers")(refusing(settle_providers))
