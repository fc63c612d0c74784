"""The shape every monitoring figure takes: a table with typed columns and, where a
picture helps, the chart that draws it.

One shape serves every reader: the dashboard renders a :class:`Table` as a chart and
the table beside it, ``/v1/reports/...`` answers it as JSON, and both export it as CSV.
The services build tables from SQL aggregates (:mod:`skillsprogram.services.reports`);
nothing here reads the database.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any


class ColumnKind(StrEnum):
    """How a column's values are read and shown."""

    TEXT = "text"
    """A label: a stage, a rule, a region's name."""
    CODE = "code"
    """A stable code (a region's or a rule's), shown as it is."""
    COUNT = "count"
    """A whole number of people or items."""
    SHARE = "share"
    """A fraction between 0 and 1 (shown as a percentage); ``None`` where undefined."""
    MONEY = "money"
    """An amount in the currency's minor unit (the table's ``currency``)."""
    DATE = "date"
    """A calendar day (ISO 8601 in JSON and CSV)."""
    NUMBER = "number"
    """Any other number (an average rating, say)."""


class ChartKind(StrEnum):
    """The pictures the dashboard draws."""

    BARS = "bars"
    """One horizontal bar per row, for each value column (a funnel, a breakdown)."""
    STACKED = "stacked"
    """One horizontal bar per row, split by the value columns (money by state)."""
    LINE = "line"
    """One line per value column over the rows, which are days in order."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its stable key (JSON and CSV header), its English label (a msgid the
    pages translate) and its kind."""

    key: str
    label: str
    kind: ColumnKind = ColumnKind.COUNT


@dataclass(frozen=True, slots=True)
class Chart:
    """How to draw a table: ``label`` names the column that labels each row; ``values``
    the columns drawn (counts, shares or money, never mixed in one chart)."""

    kind: ChartKind
    label: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """A figure: ``key`` is its stable name in URLs (``/v1/reports/{key}``), ``title`` and
    ``note`` are English msgids, ``rows`` hold one value per column."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    chart: Chart | None = None
    note: str = ""
    currency: str | None = None

    def column(self, key: str) -> int:
        """The position of the column ``key``."""
        for index, column in enumerate(self.columns):
            if column.key == key:
                return index
        raise KeyError(key)

    def records(self) -> list[dict[str, Any]]:
        """The rows as ``{column key: value}`` (dates as ISO 8601 strings)."""
        keys = [c.key for c in self.columns]
        return [dict(zip(keys, (_plain(v) for v in row), strict=True)) for row in self.rows]

    def csv(self) -> str:
        """The table as CSV: a header of column keys, then one line per row."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([c.key for c in self.columns])
        for row in self.rows:
            writer.writerow(["" if v is None else _plain(v) for v in row])
        return out.getvalue()


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def share(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to 4 places, or ``None`` when ``whole`` is 0."""
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """What a reader narrows the figures to: one wave, one region and everything under it
    (any level of the hierarchy), and a range of days (inclusive, in UTC)."""

    wave: int | None = None
    region: str | None = None
    since: date | None = None
    until: date | None = None
