"""Apply the rows of an uploaded file: row by row, or all or nothing.

Each file command says which (in its ``--help``, its output and ``docs/imports.md``):

* **row by row**: every valid row goes to the batch service, a thousand rows per
  committed transaction; each row is accepted or refused on its own (a refused row
  writes nothing) and the report lists every refused row by line;
* **all or nothing**: the file is validated as a whole, by its row model and then by
  the service's rules inside one transaction; a single refused row rolls the whole
  transaction back, so nothing is written, and the report lists every refused row.

Either way nothing is written for a file that cannot be read at all
(:class:`~skillsprogram.services.imports.UnreadableFile`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel

from skillsprogram.context import ProgrammeContext
from skillsprogram.errors import DomainError
from skillsprogram.services.imports import Problem, Rows
from skillsprogram.services.outcomes import Outcome
from skillsprogram.storage.uow import UnitOfWork, slices

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

#: Rows per transaction (row by row) or per service call (all or nothing).

Apply = Callable[[UnitOfWork, list[T]], Sequence[Outcome[Any]]]


class Mode(StrEnum):
    """How a file command writes its rows."""

    ROW_BY_ROW = "row by row"
    ALL_OR_NOTHING = "all or nothing"


@dataclass
class UploadReport:
    """What became of a file's rows."""

    mode: Mode
    rows: int
    accepted: int = 0
    problems: list[Problem] = field(default_factory=list)
    accepted_lines: list[int] = field(default_factory=list)
    """The lines of the rows accepted, in order (for a row-by-row report)."""

    @property
    def refused(self) -> int:
        """How many rows were refused (a row with several problems counts once)."""
        return len({problem.line for problem in self.problems})

    @property
    def written(self) -> int:
        """How many rows were written."""
        return self.accepted if self.mode is Mode.ROW_BY_ROW or not self.problems else 0

    def summary(self) -> str:
        """One line: how many rows, how many refused, what was written."""
        if self.mode is Mode.ROW_BY_ROW:
            return f"read {self.rows:,} rows: accepted {self.accepted:,}, refused {self.refused:,}"
        if self.problems:
            return f"validated {self.rows:,} rows: {self.refused:,} refused, nothing written"
        return f"validated {self.rows:,} rows: all accepted, {self.accepted:,} written"


class _Refused(Exception):
    """Raised inside the transaction to roll an all-or-nothing upload back."""


def refusal(line: int, error: DomainError) -> Problem:
    """The problem a service's refusal of the row at ``line`` is reported as."""
    column = error.details.get("field")
    return Problem(
        line, column if isinstance(column, str) else None, f"[{error.code}] {error.message}", code=error.code
    )


def _apply_chunk(
    uow: UnitOfWork, rows: list[tuple[int, M]], item: Callable[[M], T], apply: Apply[T]
) -> tuple[list[int], list[Problem]]:
    outcomes = apply(uow, [item(row) for _line, row in rows])
    problems = [
        refusal(line, outcome.error)
        for (line, _row), outcome in zip(rows, outcomes, strict=True)
        if outcome.error is not None
    ]
    accepted = [line for (line, _row), outcome in zip(rows, outcomes, strict=True) if outcome.error is None]
    return accepted, problems


def row_by_row(ctx: ProgrammeContext, rows: Rows[M], item: Callable[[M], T], apply: Apply[T]) -> UploadReport:
    """Write each valid row that the service accepts; report the others by line."""
    report = UploadReport(Mode.ROW_BY_ROW, rows.total, problems=list(rows.problems))
    for chunk in slices(rows.rows):
        with ctx.transaction() as uow:
            accepted, problems = _apply_chunk(uow, chunk, item, apply)
        report.accepted += len(accepted)
        report.accepted_lines += accepted
        report.problems += problems
    report.problems.sort(key=lambda problem: problem.line)
    return report


def all_or_nothing(
    ctx: ProgrammeContext, rows: Rows[M], item: Callable[[M], T], apply: Apply[T]
) -> UploadReport:
    """Write every row, or, when any row is refused (by its model or the service), none."""
    report = UploadReport(Mode.ALL_OR_NOTHING, rows.total, problems=list(rows.problems))
    if report.problems:
        return report
    try:
        with ctx.transaction() as uow:
            for chunk in slices(rows.rows):
                accepted, problems = _apply_chunk(uow, chunk, item, apply)
                report.accepted += len(accepted)
                report.accepted_lines += accepted
                report.problems += problems
            if report.problems:
                raise _Refused
    except _Refused:
        pass
    return report
