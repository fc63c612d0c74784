"""How file commands report what became of a file's rows, and the exit codes they share.

0: every row accepted; 1: some row refused (listed by line and column); 2: the file
could not be read at all (nothing written), as for every refusal (``feedback.py``).
"""

from __future__ import annotations

from collections.abc import Iterable

import typer
from rich.markup import escape

from skillsprogram.cli.feedback import console
from skillsprogram.services.imports import Problem
from skillsprogram.services.uploads import UploadReport

#: Exit code of a file command that refused some of the rows.
SOME_REFUSED = 1


def print_problems(problems: Iterable[Problem]) -> None:
    """One line per problem, naming its line and column."""
    for problem in problems:
        console.print(f"[red]refused[/] {escape(str(problem))}", soft_wrap=True)


def show(report: UploadReport) -> None:
    """Print the report; exit 1 when any row was refused."""
    console.print(escape(report.summary()), soft_wrap=True)
    print_problems(report.problems)
    if report.problems:
        raise typer.Exit(SOME_REFUSED)
