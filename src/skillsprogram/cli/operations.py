"""``skillsprogram run ...``: the batch steps an operator runs for a real wave, one by one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from skillsprogram.bootstrap import Deployment
from skillsprogram.cli.feedback import console, refusing
from skillsprogram.cli.options import DatabaseOption, Programme, programme_context
from skillsprogram.cli.render import Amounts, funnel_table, print_tables
from skillsprogram.config import load_config
from skillsprogram.context import ProgrammeContext
from skillsprogram.services import (
    benefits,
    catalogue,
    events,
    figures,
    identity,
    payouts,
    programmes,
    reports,
    screening,
    vouchers,
    waves,
)

operations = typer.Typer(
    help="Run a wave step by step (each step is chunked and resumable).", no_args_is_help=True
)


@operations.command("start")
@refusing
def start(
    config: Annotated[Path, typer.Option(help="The programme's configuration file")],
    database_url: DatabaseOption = None,
) -> None:
    """Start a programme from its configuration (frozen with it) and load its regions."""
    deployment = Deployment.from_settings(database_url=database_url)
    ctx = ProgrammeContext(config=load_config(config), engine=deployment.engine, vault=deployment.vault)
    with ctx.transaction() as uow:
        programme = programmes.start_programme(uow, ctx)
        count = catalogue.sync_regions(uow, ctx)
    console.print(f"programme {programme.code} started; {count:,} regions loaded")


@operations.command("open-wave")
@refusing
def open_wave(programme: Programme, database_url: DatabaseOption = None) -> None:
    """Open the next wave's registration window."""
    ctx = programme_context(programme, database_url)
    with ctx.transaction() as uow:
        wave = waves.open_wave(uow, ctx)
    console.print(f"wave {wave.number} open until {wave.closes_at.isoformat()}")


@operations.command("close-wave")
@refusing
def close_wave(programme: Programme, wave: int, database_url: DatabaseOption = None) -> None:
    """Close wave WAVE's registration."""
    ctx = programme_context(programme, database_url)
    with ctx.transaction() as uow:
        waves.close_wave(uow, ctx, wave)
    console.print(f"wave {wave} closed")


@operations.command("verify-identities")
@refusing
def verify_identities(programme: Programme, database_url: DatabaseOption = None) -> None:
    """Send registered applicants to the identity verifier."""
    console.print(f"{identity.verify_identities(programme_context(programme, database_url)):,} decided")


@operations.command("screen")
@refusing
def screen(programme: Programme, database_url: DatabaseOption = None) -> None:
    """Screen verified applicants against every eligibility rule."""
    console.print(f"{screening.screen(programme_context(programme, database_url)):,} screened")


@operations.command("allocate-quotas")
@refusing
def allocate_quotas(programme: Programme, wave: int, total: int, database_url: DatabaseOption = None) -> None:
    """Share TOTAL places of wave WAVE over regions as the waves table's quota_allocation says (by demand,
    population or a fixed table, whose sum TOTAL must then be)."""
    ctx = programme_context(programme, database_url)
    with ctx.transaction() as uow:
        quotas = waves.allocate_quotas(uow, ctx, wave, total)
    console.print(f"{sum(quotas.values()):,} places over {len(quotas)} regions")


@operations.command("draw")
@refusing
def draw(
    programme: Programme,
    wave: int,
    seed: Annotated[str | None, typer.Option(help="Published seed; random if omitted")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Draw closed wave WAVE within its quotas."""
    ctx = programme_context(programme, database_url)
    with ctx.transaction() as uow:
        outcome = waves.draw(uow, ctx, wave, seed)
        seed_used = waves.get_wave(uow, ctx, wave).seed
    console.print(f"{outcome['selected']:,} selected, {outcome['waitlisted']:,} waitlisted; seed {seed_used}")


@operations.command("issue-vouchers")
@refusing
def issue_vouchers(programme: Programme, database_url: DatabaseOption = None) -> None:
    """Issue vouchers to everyone selected."""
    console.print(f"{vouchers.issue_vouchers(programme_context(programme, database_url)):,} vouchers issued")


@operations.command("forfeit-vouchers")
@refusing
def forfeit_vouchers(programme: Programme, database_url: DatabaseOption = None) -> None:
    """Forfeit vouchers unused past their first-purchase deadline."""
    console.print(f"{vouchers.forfeit_unused(programme_context(programme, database_url)):,} forfeited")


@operations.command("schedule-payouts")
@refusing
def schedule_payouts(programme: Programme, database_url: DatabaseOption = None) -> None:
    """Create payouts for earned benefits whose beneficiary has a verified account."""
    created = benefits.schedule_payouts(programme_context(programme, database_url))
    console.print(f"{created:,} payouts created")


@operations.command("payouts")
@refusing
def run_payouts(programme: Programme, database_url: DatabaseOption = None) -> None:
    """Send every payout that is due through its rail."""
    run = payouts.run_payouts(programme_context(programme, database_url))
    console.print(", ".join(f"{k}: {v:,}" for k, v in sorted(run.outcomes.items())) or "nothing due")


@operations.command("dispatch-events")
@refusing
def dispatch_events(programme: Programme, database_url: DatabaseOption = None) -> None:
    """Deliver committed events to notification and observer plugins."""
    console.print(f"{events.dispatch_events(programme_context(programme, database_url)):,} events delivered")


@operations.command("report-refresh")
@refusing
def report_refresh(programme: Programme, database_url: DatabaseOption = None) -> None:
    """Take new audit events into the report tallies the monitoring figures sum."""
    console.print(f"{figures.refresh(programme_context(programme, database_url)):,} milestones taken in")


@operations.command("report")
@refusing
def report(programme: Programme, database_url: DatabaseOption = None) -> None:
    """Bring the report tallies up to date and print the programme funnel."""
    ctx = programme_context(programme, database_url)
    figures.refresh(ctx)
    with ctx.uow() as uow:
        funnel = reports.funnel(uow, ctx)
    print_tables(console, funnel_table(funnel, None, Amounts.of(ctx.config.programme)))
