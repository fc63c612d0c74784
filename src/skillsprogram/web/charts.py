"""The geometry of the dashboard's charts: a :class:`~skillsprogram.domain.figures.Table`
with a :class:`~skillsprogram.domain.figures.Chart` turned into bars, stacked bars or lines
on a scale with round ticks, with every value already written in the page's language.

Nothing here draws: ``templates/figures/chart.html`` turns a :class:`Drawing` into inline
SVG. Horizontal positions are percentages of the chart's width (so one drawing fits a
phone and a wide screen, the text keeping its size); vertical ones are pixels.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from babel.numbers import format_percent

from skillsprogram.domain.figures import ChartKind, Column, ColumnKind, Table
from skillsprogram.web.rendering import Formats

#: Where the plotting area starts and how wide it is, in percent of the chart's width
#: (bars leave room on the right for the value written after them).
PLOT_LEFT = 1.0
PLOT_WIDTH = 72.0
#: Line charts leave room on the left for the scale's labels.
LINE_LEFT = 14.0
LINE_WIDTH = 83.0
#: Pixel heights: a row's label line, one bar, the gap between rows, the line chart's area.
LABEL_HEIGHT = 18
BAR_HEIGHT = 16
ROW_GAP = 10
LINE_HEIGHT = 180
LEGEND_HEIGHT = 22
#: The smallest value a scale tells from zero.
RESOLUTION = 1e-6


def nice_step(span: float, count: int = 5) -> float:
    """A round step (1, 2 or 5 times a power of ten) cutting ``span`` into about
    ``count`` parts."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power * (1 + 1e-9):
            return float(factor * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values from at or below ``min(low, 0)`` to at or above ``max(high, 0)``,
    zero among them; ``[0, 1]`` when everything is zero. Values nearer zero than
    :data:`RESOLUTION` count as zero (shares have four decimals, amounts none)."""
    low = min(low, 0.0) if abs(low) >= RESOLUTION else 0.0
    high = max(high, 0.0) if abs(high) >= RESOLUTION else 0.0
    if low == high:
        return [0.0, 1.0]
    step = nice_step(high - low, count)
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    while first * step > low:
        first -= 1
    while last * step < high:
        last += 1
    digits = max(0, -math.floor(math.log10(step))) + 1
    return [round(i * step, digits) + 0.0 for i in range(first, last + 1)]


@dataclass(frozen=True, slots=True)
class Scale:
    """Values from ``low`` to ``high`` placed on ``start``..``start + length``."""

    low: float
    high: float
    start: float
    length: float

    def at(self, value: float) -> float:
        """Where ``value`` lies."""
        return self.start + (value - self.low) / (self.high - self.low) * self.length


@dataclass(frozen=True, slots=True)
class Tick:
    """A value of the scale, where it lies and how it is written."""

    at: float
    text: str


@dataclass(frozen=True, slots=True)
class Segment:
    """One bar or one part of a stacked bar: ``x``/``width`` in percent, ``y`` in pixels,
    ``series`` the value column's position (its colour), ``text`` its value written out."""

    x: float
    width: float
    y: float
    height: float
    series: int
    text: str


@dataclass(frozen=True, slots=True)
class BarRow:
    """One row of a bar chart: its label (above its bars), its bars or segments, and the
    value written after the last (the total of a stacked bar)."""

    label: str
    label_y: float
    segments: tuple[Segment, ...]
    value_x: float
    value_y: float
    value_text: str


@dataclass(frozen=True, slots=True)
class Line:
    """One value column over the days: points as ``(x%, y px)``; ``None`` values break it."""

    series: int
    label: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class Drawing:
    """Everything the chart macro draws for one table."""

    kind: ChartKind
    height: float
    series: tuple[str, ...]
    ticks: tuple[Tick, ...]
    zero: float
    rows: tuple[BarRow, ...] = ()
    lines: tuple[Line, ...] = ()
    first_day: str = ""
    last_day: str = ""
    empty: bool = False


Writer = Callable[[Any], str]

#: What a cell without a value shows (a share of nothing), an en dash.
NONE = "\u2013"


def writer(column: Column, fmt: Formats, translate: Callable[[str], str]) -> Writer:
    """How the values of ``column`` are written in the page's language (a share as a
    percentage, an amount in the programme's currency, ``NONE`` where there is none)."""

    def write(value: Any) -> str:
        if value is None:
            return NONE
        if column.kind is ColumnKind.SHARE:
            return format_percent(Decimal(str(value)), format="#,##0.#%", locale=fmt.babel_locale)
        if column.kind is ColumnKind.MONEY:
            return fmt.money(int(value))
        if column.kind in (ColumnKind.COUNT, ColumnKind.NUMBER):
            return fmt.number(value)
        if column.kind is ColumnKind.DATE and isinstance(value, date):
            return fmt.day(value)
        if column.kind is ColumnKind.TEXT and isinstance(value, str):
            return translate(value)
        return str(value)

    return write


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def drawing(table: Table, fmt: Formats, translate: Callable[[str], str] = str) -> Drawing | None:
    """The chart of ``table`` (``None`` when it has none)."""
    chart = table.chart
    if chart is None:
        return None
    label_at = table.column(chart.label)
    positions = [table.column(key) for key in chart.values]
    columns = [table.columns[p] for p in positions]
    write_label = writer(table.columns[label_at], fmt, translate)
    write_value = writer(columns[0], fmt, translate)
    series = tuple(translate(c.label) for c in columns)
    values = [[_number(row[p]) for p in positions] for row in table.rows]
    if chart.kind is ChartKind.LINE:
        return _lines(table, values, label_at, series, write_label, write_value)
    if chart.kind is ChartKind.STACKED:
        lows = [sum(v for v in row if v < 0) for row in values]
        highs = [sum(v for v in row if v > 0) for row in values]
    else:
        lows = [min(row, default=0.0) for row in values]
        highs = [max(row, default=0.0) for row in values]
    marks = ticks(min(lows, default=0.0), max(highs, default=0.0))
    scale = Scale(marks[0], marks[-1], PLOT_LEFT, PLOT_WIDTH)
    zero = scale.at(0.0)
    bars: list[BarRow] = []
    y = 0.0
    for row, numbers in zip(table.rows, values, strict=True):
        label_y = y + LABEL_HEIGHT - 4
        y += LABEL_HEIGHT
        segments: list[Segment] = []
        if chart.kind is ChartKind.STACKED:
            up = down = 0.0
            for index, (value, p) in enumerate(zip(numbers, positions, strict=True)):
                if value == 0:
                    continue
                base = up if value > 0 else down
                start, end = sorted((scale.at(base), scale.at(base + value)))
                segments.append(Segment(start, end - start, y, BAR_HEIGHT, index, write_value(row[p])))
                if value > 0:
                    up += value
                else:
                    down += value
            y += BAR_HEIGHT
            total = sum(numbers)
            end = scale.at(up)
            value_text = write_value(_plain_total(total, columns[0]))
            bars.append(BarRow(write_label(row[label_at]), label_y, tuple(segments), end, y - 4, value_text))
        else:
            texts = []
            for index, (value, p) in enumerate(zip(numbers, positions, strict=True)):
                start, end = sorted((zero, scale.at(value)))
                text = writer(columns[index], fmt, translate)(row[p])
                segments.append(Segment(start, end - start, y, BAR_HEIGHT, index, text))
                texts.append(text)
                y += BAR_HEIGHT + 2
            end = max((s.x + s.width for s in segments), default=zero)
            bars.append(
                BarRow(write_label(row[label_at]), label_y, tuple(segments), end, y - 6, " · ".join(texts))
            )
        y += ROW_GAP
    legend = LEGEND_HEIGHT if len(series) > 1 else 0
    return Drawing(
        kind=chart.kind,
        height=y + legend + 20,
        series=series,
        ticks=tuple(Tick(scale.at(m), write_value(_plain_total(m, columns[0]))) for m in marks),
        zero=zero,
        rows=tuple(_shifted(b, legend) for b in bars),
        empty=not table.rows,
    )


def _plain_total(value: float, column: Column) -> Any:
    if column.kind in (ColumnKind.MONEY, ColumnKind.COUNT) and float(value).is_integer():
        return int(value)
    return value


def _shifted(row: BarRow, by: float) -> BarRow:
    if not by:
        return row
    segments = tuple(Segment(s.x, s.width, s.y + by, s.height, s.series, s.text) for s in row.segments)
    return BarRow(row.label, row.label_y + by, segments, row.value_x, row.value_y + by, row.value_text)


def _lines(
    table: Table,
    values: Sequence[Sequence[float]],
    label_at: int,
    series: tuple[str, ...],
    write_label: Writer,
    write_value: Writer,
) -> Drawing:
    chart = table.chart
    assert chart is not None
    top = LEGEND_HEIGHT + 8 if len(series) > 1 else 8
    flat = [v for row in values for v in row]
    marks = ticks(min(flat, default=0.0), max(flat, default=0.0))
    scale = Scale(marks[-1], marks[0], top, LINE_HEIGHT)  # high values at the top
    count = len(values)
    lines = []
    for index in range(len(series)):
        points = tuple(
            (LINE_LEFT + (i / (count - 1) if count > 1 else 0.5) * LINE_WIDTH, scale.at(row[index]))
            for i, row in enumerate(values)
        )
        lines.append(Line(index, series[index], points))
    first = write_label(table.rows[0][label_at]) if table.rows else ""
    last = write_label(table.rows[-1][label_at]) if table.rows else ""
    column = table.columns[table.column(chart.values[0])]
    return Drawing(
        kind=ChartKind.LINE,
        height=top + LINE_HEIGHT + 30,
        series=series,
        ticks=tuple(Tick(scale.at(m), write_value(_plain_total(m, column))) for m in marks),
        zero=scale.at(0.0),
        lines=tuple(lines),
        first_day=first,
        last_day=last,
        empty=not table.rows,
    )


def cells(table: Table, fmt: Formats, translate: Callable[[str], str] = str) -> list[list[str]]:
    """Every value of ``table`` written as its column shows it (the table under a chart)."""
    writers = [writer(column, fmt, translate) for column in table.columns]
    return [[write(value) for write, value in zip(writers, row, strict=True)] for row in table.rows]
