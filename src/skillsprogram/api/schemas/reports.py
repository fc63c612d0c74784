"""The monitoring figures as JSON: a table's columns, rows and chart."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from skillsprogram.domain.figures import ChartKind, ColumnKind, Table


class ReportColumn(BaseModel):
    """One column: its key (in each row and the CSV header), English label and kind."""

    key: str
    label: str
    kind: ColumnKind


class ReportChart(BaseModel):
    """How the dashboard draws the table: ``label`` names the rows, ``values`` the columns drawn."""

    kind: ChartKind
    label: str
    values: list[str]


class ReportOut(BaseModel):
    """A figure: rows are ``{column key: value}``; money in the minor unit of ``currency``."""

    key: str
    title: str
    note: str
    currency: str | None
    columns: list[ReportColumn]
    rows: list[dict[str, Any]]
    chart: ReportChart | None

    @classmethod
    def of(cls, table: Table) -> ReportOut:
        return cls(
            key=table.key,
            title=table.title,
            note=table.note,
            currency=table.currency,
            columns=[ReportColumn(key=c.key, label=c.label, kind=c.kind) for c in table.columns],
            rows=table.records(),
            chart=None
            if table.chart is None
            else ReportChart(kind=table.chart.kind, label=table.chart.label, values=list(table.chart.values)),
        )


class ReportListItem(BaseModel):
    """A report the API answers, and the dashboard section it belongs to."""

    key: str
    title: str
    section: str
    url: str = Field(description="Where to read it (``GET``)")


class ReportsOut(BaseModel):
    """Every report, section by section in the dashboard's order."""

    sections: list[str]
    reports: list[ReportListItem]
