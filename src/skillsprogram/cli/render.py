"""Rich rendering of reports for the terminal."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from skillsprogram.config import ProgrammeInfo
from skillsprogram.money import Money
from skillsprogram.services.reports import Funnel


@dataclass(frozen=True, slots=True)
class Amounts:
    """How a programme's amounts read on the terminal: counted in ``minor_units``, written
    in ``locale`` (the programme's first), in ``currency`` unless a figure has its own."""

    minor_units: int
    currency: str
    locale: str

    @classmethod
    def of(cls, programme: ProgrammeInfo) -> Amounts:
        """The amounts of ``programme``."""
        return cls(programme.currency_minor_units(), programme.currency, programme.locales[0])

    def __call__(self, amount: int, currency: str | None = None) -> str:
        """``amount`` (in minor units) as people read it."""
        return Money(amount, currency or self.currency).format(self.minor_units, self.locale, code=True)


#: How ledger transaction kinds read in a report, in the order money flows.
MONEY_LABELS = {
    "voucher_issue": "vouchers issued",
    "course_reserve": "reserved by course purchases",
    "course_release": "released by cancelled purchases",
    "course_capture": "spent on courses (owed to providers)",
    # Written before course spends were two-phase (captured at purchase): ledgers of that
    # time still hold it, and services/ledger_checks.py accepts it, so it keeps its label.
    "course_purchase": "spent on courses (owed to providers)",
    "voucher_forfeited": "returned from forfeited vouchers",
    "voucher_revoked": "returned from revoked vouchers",
    "benefit_earned": "benefits earned",
    "benefit_cancelled": "benefits cancelled",
    "payout": "paid out to beneficiaries",
    "payout_returned": "returned by rails (payouts bounced)",
    "clawback": "claimed back (receivables)",
    "repayment": "repaid by revoked beneficiaries",
    "provider_settlement": "paid to providers (tuition settlements)",
}


def funnel_table(funnel: Funnel, refused: Counter[str] | None, amounts: Amounts) -> list[Table]:
    """The funnel, ineligibility reasons, payouts and money tables (amounts in the
    programme's currency where a figure has no currency of its own)."""
    registered = funnel.stages[0][1] if funnel.stages else 0
    attempts = registered + sum((refused or Counter()).values())
    stages = Table(title="Programme funnel", title_justify="left")
    stages.add_column("stage")
    stages.add_column("people", justify="right")
    stages.add_column("% of registered", justify="right")
    if refused:
        stages.add_row("applications submitted", f"{attempts:,}", "")
        stages.add_row("refused at registration", f"{sum(refused.values()):,}", "")
    for label, count in funnel.stages:
        share = f"{100 * count / registered:.1f}%" if registered else "-"
        stages.add_row(label, f"{count:,}", share)
    stages.add_row(
        "received a payment",
        f"{funnel.paid_people:,}",
        f"{100 * funnel.paid_people / registered:.1f}%" if registered else "-",
    )
    tables = [stages]
    if refused:
        why = Table(title="Refused at registration", title_justify="left")
        why.add_column("rule")
        why.add_column("applications", justify="right")
        for code, count in refused.most_common():
            why.add_row(code, f"{count:,}")
        tables.append(why)
    if funnel.ineligible_by_rule:
        rules = Table(title="Ineligible: rule that failed (a person may fail several)", title_justify="left")
        rules.add_column("rule")
        rules.add_column("people", justify="right")
        for rule, count in funnel.ineligible_by_rule:
            rules.add_row(rule, f"{count:,}")
        tables.append(rules)
    if funnel.payouts:
        pay = Table(title="Payouts", title_justify="left")
        pay.add_column("status")
        pay.add_column("payouts", justify="right")
        pay.add_column("amount", justify="right")
        for status, paid_in, count, amount in funnel.payouts:
            pay.add_row(status, f"{count:,}", amounts(amount, paid_in))
        tables.append(pay)
    if funnel.benefits:
        earned = Table(title="Benefits by instalment", title_justify="left")
        earned.add_column("benefit")
        earned.add_column("status")
        earned.add_column("instalments", justify="right")
        earned.add_column("amount", justify="right")
        for benefit, status, count, amount in funnel.benefits:
            earned.add_row(benefit, status, f"{count:,}", amounts(amount))
        tables.append(earned)
    if funnel.settlements:
        settled = Table(title="Provider settlements (tuition paid to providers)", title_justify="left")
        for column in ("status", "settlements", "enrolments", "amount"):
            settled.add_column(column, justify="left" if column == "status" else "right")
        for status, count, enrolments, amount in funnel.settlements:
            settled.add_row(
                status,
                f"{count:,}" if count else "",
                f"{enrolments:,}",
                amounts(amount),
            )
        tables.append(settled)
    if funnel.employment:
        work = Table(title="Employment after training (follow-up)", title_justify="left")
        work.add_column("situation")
        work.add_column("graduates", justify="right")
        for status, count in funnel.employment:
            work.add_row(status.replace("_", " "), f"{count:,}")
        tables.append(work)
    money = Table(title="Money moved (ledger)", title_justify="left")
    money.add_column("movement")
    money.add_column("amount", justify="right")
    order = {kind: rank for rank, kind in enumerate(MONEY_LABELS)}
    flows = sorted(funnel.money, key=lambda row: (order.get(row[0], len(order)), row))
    for kind, moved_in, total in flows:
        money.add_row(MONEY_LABELS.get(kind, kind), amounts(total, moved_in))
    tables.append(money)
    return tables


def plain_columns(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Rows as aligned plain-text columns, never cut or wrapped to the terminal's width: for
    listings whose values (ids) are copied into the next command."""
    lines = [list(headers), *(list(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
    return "\n".join(
        "  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )


def print_tables(console: Console, tables: list[Table]) -> None:
    """Print tables one after another."""
    for table in tables:
        console.print(table)
