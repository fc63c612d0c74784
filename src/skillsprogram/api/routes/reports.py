"""The monitoring figures (bearer tokens with ``reports:read``): the list of reports and
each report as JSON or CSV, narrowed by wave, region and days."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Response

from skillsprogram.api.deps import State, bearer, reading
from skillsprogram.api.routes import BEARER, problems
from skillsprogram.api.schemas.reports import ReportListItem, ReportOut, ReportsOut
from skillsprogram.api.security import Principal
from skillsprogram.domain.figures import ReportFilter
from skillsprogram.services import figures

router = APIRouter(tags=["reports"], responses=BEARER)
Reader = Annotated[Principal, bearer("reports:read")]
CSV = "text/csv"


@router.get("/reports", response_model=ReportsOut, summary="The monitoring reports")
def list_reports(principal: Reader) -> ReportsOut:
    """Every report's key, title and dashboard section, in the dashboard's order."""
    return ReportsOut(
        sections=list(figures.SECTIONS),
        reports=[
            ReportListItem(key=key, title=figures.TITLES[key], section=section, url=f"/v1/reports/{key}")
            for section, keys in figures.SECTIONS.items()
            for key in keys
        ],
    )


@router.get(
    "/reports/{key}",
    response_model=ReportOut,
    responses={200: {"content": {CSV: {"schema": {"type": "string"}}}}, **problems(404)},
    summary="One monitoring report",
)
def report(
    state: State,
    principal: Reader,
    key: Annotated[str, Path(max_length=64)],
    wave: Annotated[int | None, Query(ge=1, le=100_000, description="One wave")] = None,
    region: Annotated[
        str | None, Query(min_length=1, max_length=32, description="A region and everything under it")
    ] = None,
    since: Annotated[date | None, Query(description="First day (YYYY-MM-DD, UTC)")] = None,
    until: Annotated[date | None, Query(description="Last day (YYYY-MM-DD, UTC)")] = None,
    format: Annotated[Literal["json", "csv"] | None, Query(description="csv: the table as CSV")] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> ReportOut | Response:
    """The figure ``key`` (see ``GET /v1/reports``) as JSON, or as CSV with ``?format=csv``
    or ``Accept: text/csv``."""
    flt = ReportFilter(wave=wave, region=region, since=since, until=until)
    with reading(state, principal) as (uow, ctx):
        table = figures.build(uow, ctx, key, flt)
    if format == "csv" or (format is None and CSV in (accept or "")):
        return Response(
            table.csv(),
            media_type=f"{CSV}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{table.key}.csv"'},
        )
    return ReportOut.of(table)
