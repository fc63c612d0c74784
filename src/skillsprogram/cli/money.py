"""``skillsprogram payouts ...`` and ``skillsprogram ledger ...``: the money operator's commands."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from skillsprogram.cli import processes, uploads
from skillsprogram.cli.feedback import console, refusing
from skillsprogram.cli.options import DatabaseOption, Programme, programme_context
from skillsprogram.cli.render import Amounts
from skillsprogram.errors import ValidationFailed
from skillsprogram.services import (
    disbursements,
    imports,
    ledger_checks,
    payout_reviews,
    payouts,
    rail_callbacks,
    reconciliation,
)

payouts_app = typer.Typer(help="Send, review and reconcile payouts.", no_args_is_help=True)
ledger_app = typer.Typer(help="Check the double-entry ledger.", no_args_is_help=True)


#: Seconds the other workers get to record what they hold once one has died, at the least.
MIN_GRACE = 30.0


def _work(
    database_url: str | None,
    programme: str,
    chunk: int,
    lease: float,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """One worker's whole run (also the body of each worker process)."""
    ctx = programme_context(programme, database_url)
    run = payouts.run_payouts(ctx, chunk=chunk, lease=timedelta(seconds=lease), should_stop=should_stop)
    return {"outcomes": dict(run.outcomes), "paid": run.paid_amount, "problems": run.problems}


@payouts_app.command("run")
@refusing
def run(
    programme: Programme,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes sending at once")] = 1,
    chunk: Annotated[int, typer.Option(min=1, help="Payouts claimed per transaction")] = 200,
    lease: Annotated[
        float, typer.Option(min=0.0, help="Seconds a claim is held before another worker may resolve it")
    ] = payouts.LEASE.total_seconds(),
    database_url: DatabaseOption = None,
) -> None:
    """Send every due payout through its rail; several workers never send one payout twice.

    Exits 1 when a worker process died (the others stop after the payouts they hold)."""
    deaths: list[processes.WorkerDeath] = []
    if workers == 1:
        results = [_work(database_url, programme, chunk, lease)]
    else:
        programme_context(programme, database_url)  # a programme that is not there is refused here
        # A survivor still busy a lease after the first death has had its claims taken over.
        grace = max(lease, MIN_GRACE)
        crew = processes.run_workers(_work, (database_url, programme, chunk, lease), workers, grace=grace)
        results, deaths = crew.results, crew.deaths
    outcomes: Counter[str] = Counter()
    for result in results:
        outcomes.update(result["outcomes"])
        for problem in result["problems"]:
            console.print(f"[yellow]![/] {escape(problem)}")
    summary = ", ".join(f"{k}: {v:,}" for k, v in sorted(outcomes.items()))
    console.print(summary or ("nothing sent" if deaths else "nothing due"))
    if deaths:
        console.print(f"[bold red]stopped[/] {escape(_deaths_line(deaths, workers, lease))}", soft_wrap=True)
        raise typer.Exit(1)


def _deaths_line(deaths: list[processes.WorkerDeath], workers: int, lease: float) -> str:
    died = "; ".join(f"worker {d.number} of {workers} (pid {d.pid}) {d.how}" for d in deaths)
    free = (datetime.now(UTC) + timedelta(seconds=lease)).strftime("%H:%M:%S UTC")
    return (
        f"{died}; the payouts {'they' if len(deaths) > 1 else 'it'} held stay sending until their "
        f"lease ends (by {free}), "
        "then the next 'payouts run' asks the rail what became of them before any resend"
    )


@payouts_app.command("disburse")
@refusing
def disburse(
    programme: Programme,
    chunk: Annotated[int, typer.Option(min=1, help="Payouts claimed per transaction")] = 200,
    database_url: DatabaseOption = None,
) -> None:
    """Gather due payouts into a run, have each rail's envelope funded, then send the funded ones.

    Exits 1 when an envelope could not be funded (its payouts are not sent)."""
    ctx = programme_context(programme, database_url)
    run_id = disbursements.prepare_run(ctx)
    if run_id is None:
        console.print("nothing due")
        return
    state = disbursements.fund_run(ctx, run_id)
    sent = disbursements.send_run(ctx, run_id, chunk=chunk)
    state = disbursements.run_state(ctx, run_id)
    amounts = Amounts.of(ctx.config.programme)
    table = Table(title=f"Disbursement run {run_id}: {state.status}", title_justify="left")
    for column in ("rail", "payouts", "total", "funding", "reservation", "paid", "paid amount"):
        table.add_column(column)
    for e in state.envelopes:
        table.add_row(
            e.rail,
            f"{e.payouts:,}",
            amounts(e.total, e.currency),
            e.status if e.reason is None else f"{e.status}: {escape(e.reason)}",
            e.reservation or "",
            f"{e.paid:,}",
            amounts(e.paid_amount, e.currency),
        )
    console.print(table)
    console.print(", ".join(f"{k}: {v:,}" for k, v in sorted(sent.outcomes.items())) or "nothing sent")
    if state.status != disbursements.FUNDED:
        raise typer.Exit(1)


@payouts_app.command("reviews")
@refusing
def reviews(programme: Programme, database_url: DatabaseOption = None) -> None:
    """List the payouts waiting for a person's decision (failed for good, returned, unresolved)."""
    ctx = programme_context(programme, database_url)
    with ctx.uow() as uow:
        items = payout_reviews.open_reviews(uow, ctx)
    table = Table(title=f"Payouts to review ({len(items)})", title_justify="left")
    for column in ("review", "payout", "rail", "amount", "status", "reason", "opened"):
        table.add_column(column, overflow="fold")
    amounts = Amounts.of(ctx.config.programme)
    for item in items:
        table.add_row(
            str(item.review_id),
            str(item.payout_id),
            item.rail,
            amounts(item.amount, item.currency),
            item.status,
            escape(item.reason),
            item.opened_at.isoformat(),
        )
    console.print(table)


@payouts_app.command("resolve")
@refusing
def resolve(
    programme: Programme,
    review: Annotated[str, typer.Argument(help="The review's id")],
    action: Annotated[str, typer.Argument(help="'retry' (to the current verified account) or 'cancel'")],
    database_url: DatabaseOption = None,
) -> None:
    """Close a review: send the payout again to the beneficiary's account, or cancel it."""
    try:
        review_id = uuid.UUID(review)
    except ValueError:
        raise ValidationFailed(f"{review!r} is not a review id", code="invalid-id", field="review") from None
    ctx = programme_context(programme, database_url)
    with ctx.transaction() as uow:
        status = payout_reviews.resolve_review(uow, ctx, review_id, action)
    console.print(f"payout {status}")


@payouts_app.command("callbacks")
@refusing
def callbacks(
    programme: Programme,
    rail: Annotated[str, typer.Option(help="The rail that pushed them")],
    file: Annotated[Path, typer.Option(help="A JSON list of callbacks (see docs/money.md)")],
    database_url: DatabaseOption = None,
) -> None:
    """Apply status callbacks a rail pushed, notice by notice; duplicates and bad ones are
    recorded, never applied.

    Every well-formed notice is applied (or kept with its outcome) in one transaction; an
    item that is not a valid notice is refused and listed by the line it starts on and its
    field. Exits 0 when every item was a notice, 1 when any was refused, 2 when the file
    cannot be read (nothing is applied).
    """
    rows = rail_callbacks.read_callbacks(imports.read_file(file))
    ctx = programme_context(programme, database_url)
    ctx.rail(rail)
    with ctx.transaction() as uow:
        outcomes = rail_callbacks.apply_callbacks(
            uow, ctx, rail, [row.callback() for _line, row in rows.rows]
        )
    counts = Counter(outcomes)
    console.print(
        f"read {rows.total:,} items: {len(rows.rows):,} notices, refused {rows.refused:,}"
        + "".join(f", {k}: {v:,}" for k, v in sorted(counts.items())),
        soft_wrap=True,
    )
    uploads.print_problems(rows.problems)
    if rows.problems:
        raise typer.Exit(uploads.SOME_REFUSED)


@payouts_app.command("reconcile")
@refusing
def reconcile(
    programme: Programme,
    rail: Annotated[str, typer.Option(help="The rail whose statement this is")],
    statement: Annotated[Path, typer.Option(help="The statement CSV (see docs/money.md)")],
    since: Annotated[datetime, typer.Option(help="Start of the statement's period (inclusive)")],
    until: Annotated[datetime, typer.Option(help="End of the statement's period (exclusive)")],
    database_url: DatabaseOption = None,
) -> None:
    """Match a rail statement to our payouts, all or nothing; exits 1 when anything disagrees.

    The statement is imported whole, in one transaction with every discrepancy (a line that
    does not parse is a ``malformed`` discrepancy naming its column), or not at all: a file
    that is not UTF-8 text, lacks a column or was imported before is refused with exit 2.
    """
    content = imports.read_file(statement)
    ctx = programme_context(programme, database_url)
    with ctx.transaction() as uow:
        report = reconciliation.import_statement(uow, ctx, rail, content, _aware(since), _aware(until))
    console.print(f"{report.lines:,} lines, {report.matched:,} matched")
    for item in report.discrepancies:
        line = f"line {item.line_number:,}: " if item.line_number else ""
        console.print(f"[red]{item.kind}[/] {line}{escape(item.detail)}", soft_wrap=True)
    if report.discrepancies:
        raise typer.Exit(1)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@ledger_app.command("verify")
@refusing
def verify(programme: Programme, database_url: DatabaseOption = None) -> None:
    """Check every ledger invariant; prints each violation and exits 1 if there is any."""
    ctx = programme_context(programme, database_url)
    with ctx.uow() as uow:
        report = ledger_checks.verify(uow, ctx)
    for name, count in report.checked.items():
        console.print(f"checked {name}: {count:,}")
    for problem in report.problems:
        console.print(f"[red]violation[/] {escape(problem)}")
    if report.problems:
        raise typer.Exit(1)
    console.print("[green]ledger consistent[/]")
