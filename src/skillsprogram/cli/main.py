"""The ``skillsprogram`` command: demo, database, plugins and the operator's batch steps."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from skillsprogram import collector
from skillsprogram.api.settings import ApiSettings
from skillsprogram.bootstrap import Deployment, country_config, country_configs, settings_for
from skillsprogram.cli import api, provider_ops
from skillsprogram.cli.demo_sign_ins import print_sign_ins
from skillsprogram.cli.feedback import console, refusals
from skillsprogram.cli.money import ledger_app, payouts_app
from skillsprogram.cli.operations import draw_replay_command, operations
from skillsprogram.cli.options import DatabaseOption
from skillsprogram.cli.render import Amounts, funnel_table, print_tables
from skillsprogram.cli.scaffold import new_country_command
from skillsprogram.cli.what_if import simulate_command
from skillsprogram.clock import FixedClock
from skillsprogram.config import load_config
from skillsprogram.context import ProgrammeContext
from skillsprogram.demo.sign_ins import ready_sign_ins
from skillsprogram.domain.types import reproducible_ids
from skillsprogram.hooks.manager import build_plugin_manager, hooks_by_plugin, installed_plugins
from skillsprogram.simulation import StepReporter, run_demo
from skillsprogram.storage import migrate

app = typer.Typer(help="Run a national skills programme end to end.", no_args_is_help=True)
db = typer.Typer(help="Database schema (alembic migrations shipped with the package).")
app.add_typer(db, name="db")
app.add_typer(operations, name="run")
app.add_typer(payouts_app, name="payouts")
app.add_typer(ledger_app, name="ledger")
app.command("new-country")(new_country_command)
app.command("simulate")(simulate_command)
provider_ops.register(operations)
app.add_typer(api.clients, name="clients")
app.command("serve")(api.serve)
app.command("draw-replay")(draw_replay_command)


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log at INFO")] = False) -> None:
    """skillsprogram: applications, identity, eligibility, waves, vouchers, training, payouts."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    collector.tune_for_batches()


@db.command("upgrade")
def db_upgrade(database_url: DatabaseOption = None, revision: str = "head") -> None:
    """Create or upgrade the schema, and the personal-data key file if no secret is set."""
    with refusals():
        settings = settings_for(None, database_url)
        had_secret = settings.has_secret()
        deployment = Deployment.set_up(settings, revision=revision)
        console.print(
            f"database {migrate.shown(deployment.url)} at revision {migrate.current(deployment.url)}"
        )
        if not had_secret:
            console.print(
                f"personal-data key created at {settings.key_file.resolve()}: keep it safe and keep it "
                "for the life of the deployment (without it, stored personal data cannot be read)",
                soft_wrap=True,
            )


@db.command("downgrade")
def db_downgrade(revision: str, database_url: DatabaseOption = None) -> None:
    """Revert the schema to REVISION ('base' removes every table)."""
    with refusals():
        url = settings_for(None, database_url).resolved_database_url()
        migrate.downgrade(url, revision)
        console.print(f"database {migrate.shown(url)} at revision {migrate.current(url)}")


@app.command("plugins")
def plugins(
    config: Annotated[Path | None, typer.Option(help="A programme configuration file")] = None,
) -> None:
    """List installed plugins and, for a configuration, the hooks each enabled plugin implements."""
    with refusals():
        table = Table(title="Installed plugins ('skillsprogram' entry points)", title_justify="left")
        for column in ("name", "module", "distribution"):
            table.add_column(column)
        for plugin in installed_plugins():
            table.add_row(plugin.name, plugin.target, plugin.distribution or "")
        console.print(table)
        countries = Table(title="Installed countries", title_justify="left")
        countries.add_column("country")
        countries.add_column("schemes")
        for name, schemes in sorted(country_configs().items()):
            countries.add_row(name, ", ".join(sorted(schemes)))
        console.print(countries)
        names = load_config(config).plugins if config else []
        enabled = Table(
            title="Enabled hooks" + (f" for {config}" if config else " (defaults only)"), title_justify="left"
        )
        enabled.add_column("plugin")
        enabled.add_column("hooks")
        for name, hooks in hooks_by_plugin(build_plugin_manager(names)).items():
            enabled.add_row(name, "\n".join(hooks))
        console.print(enabled)


class _Bars(StepReporter):
    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def step(self, name: str, total: int | None = None) -> Callable[[int], None]:
        task = self.progress.add_task(name, total=total)
        return lambda n: self.progress.advance(task, n)

    def done(self, name: str, summary: str) -> None:
        self.progress.console.print(f"  [green]✓[/] {name}: {summary}")


@app.command("demo")
def demo(
    country: Annotated[
        str | None, typer.Option(help="An installed country package (needed when several are installed)")
    ] = None,
    scheme: Annotated[str | None, typer.Option(help="The country's scheme (configuration)")] = None,
    applicants: Annotated[int, typer.Option(min=1, help="Synthetic applicants")] = 10_000,
    seed: Annotated[int, typer.Option(help="Seed for the synthetic people and the draw")] = 1,
    database_url: DatabaseOption = None,
    reset: Annotated[bool, typer.Option(help="Empty the database first (all data is lost)")] = False,
    serve: Annotated[
        bool, typer.Option(help="Then serve the portal and the API on the demo's data, with ready sign-ins")
    ] = False,
    port: Annotated[int, typer.Option(help="Port to serve on (with --serve)", min=0, max=65_535)] = 8000,
) -> None:
    """Run one whole wave on synthetic applicants and print the funnel; then say where to
    click through it in the portal (``--serve`` serves it at once, with ready sign-ins)."""
    with refusals():
        config = load_config(country_config(country, scheme))
        if settings_for(None, database_url).database_url is None:
            reset = True  # the embedded demo database is the demo's own
        deployment = Deployment.set_up(database_url=database_url, reset=reset)
        clock = FixedClock(datetime.fromisoformat(config.demo.start))
        ctx = ProgrammeContext(
            config=config, engine=deployment.engine, vault=deployment.vault, clock=clock, actor="demo"
        )
        console.rule(f"[bold]{config.programme.name}[/]")
        console.print(
            f"[yellow]SANDBOX[/] demo: {applicants:,} made-up applicants (seed {seed}), "
            "sandbox identity registry and payment rails."
        )
        started = time.perf_counter()
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        # On an emptied database every identifier can come from the seed, so the same seed
        # gives the same run to the last payout; over existing rows they must not repeat.
        ids = reproducible_ids(f"demo-{seed}") if reset else nullcontext()
        bars_shown = sys.stdout.isatty()
        with ids, Progress(*columns, console=console, transient=True, disable=not bars_shown) as bars:
            result = run_demo(ctx, clock, applicants, seed, _Bars(bars))
        assert result.funnel is not None
        print_tables(
            console,
            funnel_table(result.funnel, result.refused_at_registration, Amounts.of(config.programme)),
        )
        console.print(
            f"Wave 1 quota {result.quota:,}; selection seed [bold]{result.seed}[/] "
            "(published: anyone can re-run the selection)."
        )
        console.print(
            f"Finished in {time.perf_counter() - started:.1f} s on {deployment.engine.dialect.name}."
        )
        code = config.programme.code
        if not serve:
            again = f" --database-url {database_url}" if database_url else ""
            console.print(
                "Click through this wave in the portal: "
                f"[bold]skillsprogram serve --programme {code}{again}[/] and open http://127.0.0.1:8000/ "
                "(or run the demo with --serve for ready sign-ins).",
                soft_wrap=True,
            )
            return
        ready = ready_sign_ins(ctx)
        updates: dict[str, object] = {"programme": code}
        if database_url:
            updates["database_url"] = database_url
        settings = ApiSettings().model_copy(update=updates)
        api.run_server(settings, "127.0.0.1", port, lambda app, address: print_sign_ins(app, address, ready))
