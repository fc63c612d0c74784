"""The monitoring & evaluation dashboard: every figure of :mod:`skillsprogram.services.figures`
as a chart, its table and its CSV, narrowed by wave, region and days.

The figures are the ones ``/v1/reports/...`` answers (one :class:`~skillsprogram.domain.figures.Table`
serves both); they are as fresh as the last ``report-refresh`` step. Officers and the
read-only minister role (scope ``reports:read``) see them. A filter that names an unknown
wave or region, or days in the wrong order, is shown beside its field, not as an error page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from skillsprogram.api.deps import reading
from skillsprogram.api.security import Principal
from skillsprogram.domain.figures import ReportFilter, Table
from skillsprogram.errors import DomainError, NotFound
from skillsprogram.i18n import N_
from skillsprogram.services import figures, listings
from skillsprogram.services.figures.scope import Regions
from skillsprogram.web import charts
from skillsprogram.web.forms import FieldErrors
from skillsprogram.web.rendering import Formats, translate
from skillsprogram.web.sessions import locale_of
from skillsprogram.web.staff import render_console, signed_in_staff

router = APIRouter(include_in_schema=False, prefix="/console/figures")

#: What each section of the dashboard is called.
SECTION_TITLES = {
    "funnel": N_("Funnel"),
    "refusals": N_("Refusals"),
    "inclusion": N_("Inclusion"),
    "money": N_("Money"),
    "outcomes": N_("Outcomes"),
}
FILTER_FIELDS = ("wave", "region", "since", "until")


def read_filter(request: Request, errors: dict[str, str]) -> ReportFilter:
    """The filter in the query string; each unreadable field's message in ``errors``."""
    query = {k: request.query_params.get(k, "").strip() for k in FILTER_FIELDS}
    wave: int | None = None
    if query["wave"]:
        if query["wave"].isascii() and query["wave"].isdigit() and 1 <= int(query["wave"]) <= 100_000:
            wave = int(query["wave"])
        else:
            errors["wave"] = translate(request, N_("Choose a wave of the list."))
    days: dict[str, date | None] = {}
    for key in ("since", "until"):
        try:
            days[key] = date.fromisoformat(query[key]) if query[key] else None
        except ValueError:
            days[key] = None
            errors[key] = translate(request, N_("A day written YYYY-MM-DD."))
    return ReportFilter(wave=wave, region=query["region"][:32] or None, **days)


def _checked(request: Request, flt: ReportFilter, errors: dict[str, str], check: Any) -> ReportFilter:
    """``flt`` once the figures' own check accepts it; else no filter, with the reason shown."""
    if errors:
        return ReportFilter()
    try:
        check(flt)
    except DomainError as error:
        field = {"unknown-wave": "wave", "unknown-region": "region"}.get(error.code, "until")
        errors[field] = translate(request, error.message)
        return ReportFilter()
    return flt


def region_choices(regions: Regions) -> list[tuple[str, str, int]]:
    """(code, name, depth) of every region, each under its parent (province → regency)."""
    ordered: list[tuple[str, str, int]] = []

    def walk(node: str | None, depth: int) -> None:
        for code in sorted(regions.children(node), key=lambda c: regions.names[c]):
            ordered.append((code, regions.names[code], depth))
            walk(code, depth + 1)

    walk(None, 0)
    return ordered


def _shown(request: Request, table: Table) -> dict[str, Any]:
    """What the figure macro draws for ``table`` in the page's language."""
    info = request.app.state.api.ctx.config.programme
    fmt = Formats(locale_of(request), info.currency, info.currency_minor_units(), info.zone)
    words = lambda message: translate(request, message)  # noqa: E731
    return {
        "table": table,
        "drawing": charts.drawing(table, fmt, words),
        "cells": charts.cells(table, fmt, words),
    }


@dataclass(frozen=True, slots=True)
class Read:
    """The figures a page asked for, what narrowed them and what the filter got wrong."""

    principal: Principal
    tables: list[Table]
    errors: dict[str, str]
    regions: Regions
    waves: list[int]


def read_figures(request: Request, keys: tuple[str, ...]) -> Read | Response:
    """The figures ``keys`` for the signed-in reader, narrowed by the query's filter (the
    whole programme when the filter is refused); the way to sign in otherwise."""
    principal = signed_in_staff(request, "reports:read")
    if isinstance(principal, Response):
        return principal
    errors: dict[str, str] = {}
    flt = read_filter(request, errors)
    with reading(request.app.state.api, principal) as (uow, ctx):
        flt = _checked(request, flt, errors, lambda f: figures.check_filter(uow, ctx, f))
        tables = [figures.build(uow, ctx, key, flt) for key in keys]
        regions = Regions.load(uow)
        waves = sorted(listings.wave_numbers(uow, ctx).values())
    return Read(principal, tables, errors, regions, waves)


@router.get("")
@router.get("/{section}")
def dashboard(request: Request, section: str = "funnel") -> Response:
    """One section of the dashboard (the funnel first), with the filter form above it."""
    if section not in figures.SECTIONS:
        raise NotFound(f"no figures page {section!r}", code="unknown-section")
    read = read_figures(request, figures.SECTIONS[section])
    if isinstance(read, Response):
        return read
    query = urlencode({k: request.query_params[k] for k in FILTER_FIELDS if request.query_params.get(k)})
    shown = {
        "section": section,
        "sections": SECTION_TITLES,
        "figures": [_shown(request, t) for t in read.tables],
        "regions": region_choices(read.regions),
        "waves": read.waves,
        "values": {k: request.query_params.get(k, "") for k in FILTER_FIELDS},
        "query": "" if read.errors else query,
        "errors": FieldErrors(read.errors),
    }
    status = 422 if read.errors else 200
    return render_console(request, read.principal, "console/figures.html", shown, status)


@router.get("/{section}/{key}.csv")
def figure_csv(request: Request, section: str, key: str) -> Response:
    """One figure as CSV, with the filter of the page it was downloaded from."""
    if section not in figures.SECTIONS or key not in figures.SECTIONS[section]:
        raise NotFound(f"no figure {key!r} in {section!r}", code="unknown-report")
    read = read_figures(request, (key,))
    if isinstance(read, Response):
        return read
    return Response(
        read.tables[0].csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{key}.csv"'},
    )
