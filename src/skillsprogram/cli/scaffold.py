"""``skillsprogram new-country NAME``: scaffold a country plugin package."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

from skillsprogram.cli.feedback import console, refusals
from skillsprogram.scaffold import CountrySpec, new_country


def new_country_command(
    name: Annotated[str, typer.Argument(help="The country's name in lower case, e.g. 'timor_leste'")],
    directory: Annotated[
        Path | None, typer.Option(help="Where to write the package (default: ./skillsprogram-NAME)")
    ] = None,
    country_code: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 code")] = "XX",
    currency: Annotated[str, typer.Option(help="ISO 4217 currency code")] = "USD",
    minor_units: Annotated[int, typer.Option(min=0, max=4, help="Minor units amounts are counted in")] = 2,
    locale: Annotated[str, typer.Option(help="The language people are written to in")] = "en",
) -> None:
    """Scaffold a new country plugin package that installs, passes its tests and runs a demo."""
    with refusals():
        target = directory or Path(f"skillsprogram-{name.replace('_', '-')}")
        spec = CountrySpec(name, country_code.upper(), currency.upper(), minor_units, locale)
        written = new_country(spec, target)
        for path in written:
            console.print(f"  created {path}")
        # Plain echo: rich would take "[test]" for markup. Quoted: shells glob "[...]".
        typer.echo(
            f"Next: pip install -e {shlex.quote(f'{target}[test]')} && pytest {shlex.quote(str(target))}"
            f" && skillsprogram demo --country {name}"
        )
