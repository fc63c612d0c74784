"""The what-if comparison as figures: one row per scenario side by side, one per
scenario and wave, and the cumulative spend of every scenario wave by wave."""

from __future__ import annotations

import re
from collections.abc import Sequence

from skillsprogram.budgeting.model import Outcome
from skillsprogram.budgeting.scenarios import Settings
from skillsprogram.domain.figures import Chart, ChartKind, Column, ColumnKind, Table
from skillsprogram.i18n import N_

_COUNTS = (
    Column("applicants", N_("Applicants")),
    Column("refused", N_("Refused at registration")),
    Column("eligible", N_("Eligible")),
    Column("selected", N_("Selected (people reached)")),
    Column("bought", N_("Bought a course")),
    Column("completed", N_("Completed")),
    Column("paid", N_("Paid an incentive")),
)
_MONEY = (
    Column("vouchers_issued", N_("Vouchers issued"), ColumnKind.MONEY),
    Column("course_spend", N_("Spent on courses"), ColumnKind.MONEY),
    Column("incentives", N_("Incentives paid"), ColumnKind.MONEY),
    Column("unspent", N_("Returned unspent"), ColumnKind.MONEY),
)
_FIELDS = tuple(c.key for c in (*_COUNTS, *_MONEY))


def comparison(outcomes: Sequence[Outcome], settings: Settings, currency: str) -> list[Table]:
    """The summary, the waves and the cumulative spend of ``outcomes``."""
    return [
        summary(outcomes, settings, currency),
        waves(outcomes, currency),
        cumulative(outcomes, settings, currency),
    ]


def summary(outcomes: Sequence[Outcome], settings: Settings, currency: str) -> Table:
    """One row per scenario: its numbers, its totals over the waves, its cost per
    completer and the wave its budget is spent in."""
    columns = (
        Column("scenario", N_("Scenario"), ColumnKind.TEXT),
        Column("voucher", N_("Voucher"), ColumnKind.MONEY),
        Column("quota", N_("Places per wave")),
        Column("take_up", N_("Take-up"), ColumnKind.SHARE),
        Column("completion", N_("Completion"), ColumnKind.SHARE),
        *_COUNTS,
        *_MONEY,
        Column("spend", N_("Total spend"), ColumnKind.MONEY),
        Column("cost_per_completer", N_("Cost per completer"), ColumnKind.MONEY),
        Column("budget_wave", N_("Budget spent in wave"), ColumnKind.NUMBER),
        Column("budget_day", N_("Budget spent by day"), ColumnKind.NUMBER),
        Column("budget_basis", N_("Budget wave"), ColumnKind.CODE),
    )
    rows = []
    for outcome in outcomes:
        s = outcome.scenario
        wave = outcome.budget_wave
        rows.append(
            (
                s.name,
                s.voucher,
                s.quota,
                s.take_up,
                s.completion,
                *(outcome.total(key) for key in _FIELDS),
                outcome.spend,
                outcome.cost_per_completer,
                wave,
                None if wave is None else wave * settings.wave_days,
                None if wave is None else ("run" if outcome.budget_reached else "projected"),
            )
        )
    note = N_(
        "Over %(waves)s waves of %(days)s days, seed %(seed)s, rules run on %(sample)s people a wave."
    ) % {
        "waves": settings.waves,
        "days": settings.wave_days,
        "seed": settings.seed,
        "sample": settings.sample,
    }
    if settings.budget is not None:
        note += " " + N_("A budget wave beyond the waves run is extrapolated at the last wave's pace.")
    return Table(
        key="what_if_summary",
        title=N_("Scenarios side by side"),
        columns=columns,
        rows=tuple(rows),
        chart=Chart(ChartKind.STACKED, "scenario", ("course_spend", "incentives")),
        note=note,
        currency=currency,
    )


def waves(outcomes: Sequence[Outcome], currency: str) -> Table:
    """One row per scenario and wave."""
    columns = (
        Column("scenario", N_("Scenario"), ColumnKind.TEXT),
        Column("wave", N_("Wave"), ColumnKind.NUMBER),
        *_COUNTS,
        *_MONEY,
        Column("cumulative_spend", N_("Cumulative spend"), ColumnKind.MONEY),
    )
    rows = tuple(
        (outcome.scenario.name, wave.wave, *(getattr(wave, key) for key in _FIELDS), wave.cumulative_spend)
        for outcome in outcomes
        for wave in outcome.waves
    )
    return Table(
        key="what_if_waves", title=N_("Scenarios wave by wave"), columns=columns, rows=rows, currency=currency
    )


def cumulative(outcomes: Sequence[Outcome], settings: Settings, currency: str) -> Table:
    """The cumulative spend of every scenario (a column each) after every wave, beside
    the budget when there is one."""
    keys = scenario_keys([o.scenario.name for o in outcomes])
    columns = [Column("wave", N_("Wave"), ColumnKind.TEXT), Column("day", N_("Day"), ColumnKind.NUMBER)]
    columns += [Column(key, o.scenario.name, ColumnKind.MONEY) for key, o in zip(keys, outcomes, strict=True)]
    values = tuple(keys)
    if settings.budget is not None:
        columns.append(Column("budget", N_("Budget"), ColumnKind.MONEY))
        values += ("budget",)
    count = max((len(o.waves) for o in outcomes), default=0)
    rows = []
    for index in range(count):
        row: list[object] = [str(index + 1), (index + 1) * settings.wave_days]
        row += [o.waves[index].cumulative_spend for o in outcomes]
        if settings.budget is not None:
            row.append(settings.budget)
        rows.append(tuple(row))
    return Table(
        key="what_if_cumulative",
        title=N_("Cumulative spend by wave"),
        columns=tuple(columns),
        rows=tuple(rows),
        chart=Chart(ChartKind.LINE, "wave", values),
        currency=currency,
    )


def scenario_keys(names: Sequence[str]) -> list[str]:
    """A column key per scenario name (``big voucher`` -> ``big_voucher``), unique."""
    keys: list[str] = []
    for index, name in enumerate(names):
        key = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or f"scenario_{index + 1}"
        while key in keys or key in ("wave", "day", "budget"):
            key = f"{key}_{index + 1}"
        keys.append(key)
    return keys
