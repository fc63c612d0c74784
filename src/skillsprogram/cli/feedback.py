"""How the command line tells people about refusals: one clear line, exit code 2."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from skillsprogram.errors import DomainError

console = Console()
P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def refusals() -> Iterator[None]:
    """Show a refused request as one line naming its rule, and exit 2 (never a traceback)."""
    try:
        yield
    except DomainError as error:
        line = f"[bold red]refused[/] {escape(f'[{error.code}]')} {escape(error.message)}"
        console.print(line, soft_wrap=True)
        raise typer.Exit(2) from None


def refusing(command: Callable[P, R]) -> Callable[P, R]:
    """Decorate a command so that domain errors become :func:`refusals` output."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with refusals():
            return command(*args, **kwargs)

    return wrapper
