"""Options every programme command shares, and the context they open."""

from __future__ import annotations

from typing import Annotated

import typer

from skillsprogram.bootstrap import Deployment
from skillsprogram.context import ProgrammeContext

Programme = Annotated[str, typer.Option("--programme", "-p", help="The programme's code")]
DatabaseOption = Annotated[
    str | None, typer.Option("--database-url", help="SQLAlchemy URL; default: the embedded SQLite file")
]


def programme_context(programme: str, database_url: str | None) -> ProgrammeContext:
    """The started programme ``programme`` on the deployment's database, with its frozen
    configuration and the plugins it names."""
    return Deployment.from_settings(database_url=database_url).programme(programme)
