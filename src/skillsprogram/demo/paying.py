"""Paying in the demo: tuition settled with providers, and payouts run day by day until
nothing is left to send, summed up as the payouts table counts them."""

from __future__ import annotations

from datetime import timedelta

from skillsprogram.context import ProgrammeContext
from skillsprogram.demo.run import DemoResult, DemoRun
from skillsprogram.money import Money
from skillsprogram.services import payouts, reports, settlements


def settle_tuition(run: DemoRun) -> None:
    """Settle the redeemed courses' tuition with their providers, when the programme does."""
    if run.ctx.config.provider_settlement is None:
        return
    settled = settlements.settle_providers(run.ctx)
    run.result.settlement_outcomes.update(settled.outcomes)
    awaiting = (
        f", {settled.awaiting_account:,} enrolments await a provider account"
        if settled.awaiting_account
        else ""
    )
    run.reporter.done(
        "Settling tuition with providers",
        f"{settled.scheduled:,} settlements for {settled.enrolments:,} enrolments" + awaiting,
    )


def pay_until_done(demo: DemoRun) -> None:
    """Run payouts day by day until nothing is left to send (retries, monthly instalments)."""
    ctx, clock, reporter, result = demo.ctx, demo.clock, demo.reporter, demo.result
    name = paying(ctx)
    tick = reporter.step(name, None)
    last_due = clock.now() + timedelta(days=400)
    idle_days = 0
    while clock.now() < last_due and idle_days < 45:
        run = payouts.run_payouts(ctx)
        result.payout_outcomes.update(run.outcomes)
        sent = sum(run.outcomes.values())
        if ctx.config.provider_settlement is not None:
            settled = settlements.settle_providers(ctx)
            result.settlement_outcomes.update(settled.outcomes)
            sent += sum(settled.outcomes.values())
        tick(sum(run.outcomes.values()))
        idle_days = 0 if sent else idle_days + 1
        clock.advance(timedelta(days=1))
    with ctx.uow() as uow:
        result.payouts = reports.payouts_by_status(uow, ctx)
    reporter.done(name, payouts_summary(ctx, result))


def paying(ctx: ProgrammeContext) -> str:
    """The paying step in the programme's own words for its benefits ("the allowance")."""
    words = [benefit.code.replace("_", " ") for benefit in ctx.config.benefits]
    if not words:
        return "Paying benefits"
    if len(words) == 1:
        return f"Paying the {words[0]}"
    return f"Paying the {', '.join(words[:-1])} and {words[-1]} benefits"


def payouts_summary(ctx: ProgrammeContext, result: DemoResult) -> str:
    """Payouts by status, each counted once as in the payouts table, and the resends it took."""
    minor_units = ctx.config.programme.currency_minor_units()
    locale = ctx.config.programme.locales[0]
    total = sum(count for _status, _currency, count, _amount in result.payouts)
    parts = [
        f"{count:,} {status} ({Money(amount, currency).format(minor_units, locale, code=True)})"
        for status, currency, count, amount in sorted(result.payouts, key=lambda row: -row[2])
    ]
    summary = f"{total:,} payouts: " + ", ".join(parts) if total else "nothing to pay"
    retried = {
        "transient failures": result.payout_outcomes["retry"],
        "unanswered sends": result.payout_outcomes["unknown"],
    }
    if any(retried.values()):
        summary += "; resent after " + " and ".join(f"{n:,} {what}" for what, n in retried.items() if n)
    return summary
