"""The charts' geometry (web/charts.py) and their SVG (templates/figures/chart.html),
without a database: hand-made tables drawn in English and Indonesian."""

from __future__ import annotations

import itertools
import math
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from skillsprogram.domain.figures import Chart, ChartKind, Column, ColumnKind, Table
from skillsprogram.web import charts
from skillsprogram.web.rendering import TEMPLATES, Formats

EN = Formats("en", "IDR", 0, ZoneInfo("Asia/Jakarta"))
ID = Formats("id", "IDR", 0, ZoneInfo("Asia/Jakarta"))


def bars(*rows: tuple[str, int]) -> Table:
    return Table(
        key="stages",
        title="Programme funnel",
        columns=(Column("stage", "stage", ColumnKind.TEXT), Column("people", "people")),
        rows=tuple(rows),
        chart=Chart(ChartKind.BARS, "stage", ("people",)),
    )


def stacked(*rows: tuple[str, int, int]) -> Table:
    return Table(
        key="money",
        title="Where the money went",
        columns=(
            Column("wave", "wave", ColumnKind.TEXT),
            Column("paid", "paid", ColumnKind.MONEY),
            Column("held", "held", ColumnKind.MONEY),
        ),
        rows=tuple(rows),
        chart=Chart(ChartKind.STACKED, "wave", ("paid", "held")),
        currency="IDR",
    )


VALUES = st.one_of(
    st.just(0.0), st.floats(min_value=1e-6, max_value=1e12), st.floats(min_value=-1e12, max_value=-1e-6)
)


@given(VALUES, VALUES)
def test_ticks_are_round_evenly_spaced_include_zero_and_cover_the_values(a: float, b: float) -> None:
    low, high = sorted((a, b))
    marks = charts.ticks(low, high)
    assert marks[0] <= min(low, 0) and marks[-1] >= max(high, 0)
    assert 0.0 in marks
    assert 2 <= len(marks) <= 12
    steps = [later - earlier for earlier, later in itertools.pairwise(marks)]
    step = charts.nice_step(max(high, 0) - min(low, 0)) if high != low or low != 0 else 1.0
    assert all(math.isclose(s, step, rel_tol=1e-6) for s in steps)
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m) for m in (1, 2, 5, 10))


def test_bar_lengths_are_proportional_to_the_values() -> None:
    drawing = charts.drawing(bars(("registered", 1000), ("selected", 250), ("paid", 0)), EN)
    assert drawing is not None
    widths = [row.segments[0].width for row in drawing.rows]
    assert math.isclose(widths[1] / widths[0], 0.25) and widths[2] == 0
    assert [row.value_text for row in drawing.rows] == ["1,000", "250", "0"]


def test_stacked_segments_sum_to_the_bar_of_the_total() -> None:
    drawing = charts.drawing(stacked(("1", 300_000, 100_000), ("2", 0, 400_000)), ID)
    assert drawing is not None
    first, second = drawing.rows
    assert math.isclose(sum(s.width for s in first.segments), sum(s.width for s in second.segments))
    assert math.isclose(first.segments[0].x + first.segments[0].width, first.segments[1].x)
    assert first.value_text == ID.money(400_000) and "Rp" in first.value_text


def test_negative_amounts_draw_left_of_the_zero_axis() -> None:
    drawing = charts.drawing(stacked(("clawed back", -50_000, 0), ("paid", 200_000, 0)), EN)
    assert drawing is not None
    negative, positive = drawing.rows
    assert math.isclose(negative.segments[0].x + negative.segments[0].width, drawing.zero)
    assert math.isclose(positive.segments[0].x, drawing.zero)
    assert drawing.ticks[0].text.startswith(("-", "\u2212"))


def test_zeros_one_row_no_rows_and_missing_shares_draw_without_error() -> None:
    shares = Table(
        key="rates",
        title="Take-up",
        columns=(Column("rate", "rate", ColumnKind.TEXT), Column("share", "share", ColumnKind.SHARE)),
        rows=(("take-up", None), ("completion", 0.5)),
        chart=Chart(ChartKind.BARS, "rate", ("share",)),
    )
    for table in (bars(("registered", 0)), bars(("registered", 7)), bars(), shares):
        drawing = charts.drawing(table, EN)
        assert drawing is not None and all(s.width >= 0 for r in drawing.rows for s in r.segments)
    drawn = charts.drawing(shares, EN)
    assert drawn is not None and [r.value_text for r in drawn.rows] == [charts.NONE, "50%"]
    assert charts.drawing(bars(), EN).empty  # type: ignore[union-attr]


def test_a_line_runs_over_the_days_with_higher_values_higher_up() -> None:
    table = Table(
        key="days",
        title="Funnel by day",
        columns=(Column("day", "day", ColumnKind.DATE), Column("registered", "registered")),
        rows=((date(2026, 1, 1), 10), (date(2026, 1, 2), 30), (date(2026, 1, 3), 20)),
        chart=Chart(ChartKind.LINE, "day", ("registered",)),
    )
    drawing = charts.drawing(table, EN)
    assert drawing is not None
    (line,) = drawing.lines
    xs = [x for x, _ in line.points]
    ys = [y for _, y in line.points]
    assert xs == sorted(xs) and ys[1] < ys[2] < ys[0]
    assert drawing.first_day == "January 1, 2026"


@pytest.mark.parametrize("fmt", [EN, ID])
def test_the_macro_draws_an_accessible_svg_followed_by_its_table_and_csv_link(fmt: Formats) -> None:
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined, extensions=["jinja2.ext.i18n"]
    )
    environment.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    macros = environment.get_template("figures/chart.html").module
    table = stacked(("1", 300_000, 100_000))
    html = str(
        macros.figure(
            table, charts.drawing(table, fmt), charts.cells(table, fmt), "/console/figures/money.csv"
        )  # type: ignore[attr-defined]
    )
    assert '<svg class="chart chart-stacked" role="img"' in html and "<title" in html and "<desc" in html
    assert html.index("<svg") < html.index("<table") < html.index('href="/console/figures/money.csv"')
    assert '<th scope="col">paid</th>' in html and '<th scope="row">1</th>' in html
    assert fmt.money(300_000) in html
