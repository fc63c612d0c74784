"""What a :class:`~skillsprogram.domain.figures.ReportFilter` narrows the tallies to, and
the region hierarchy the by-region figures break down along."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.figures import ReportFilter
from skillsprogram.domain.models import Application, Region, Wave
from skillsprogram.domain.report_models import ReportTally
from skillsprogram.errors import ValidationFailed
from skillsprogram.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Regions:
    """The region hierarchy: each region's name, parent and tags (a small table, read whole)."""

    names: dict[str, str]
    parents: dict[str, str | None]
    tags: dict[str, list[str]]

    @classmethod
    def load(cls, uow: UnitOfWork) -> Regions:
        rows = uow.session.execute(
            select(col(Region.code), col(Region.name), col(Region.parent_code), col(Region.tags))
        ).all()
        return cls(
            {code: name for code, name, _, _ in rows},
            {code: parent for code, _, parent, _ in rows},
            {code: list(tags or []) for code, _, _, tags in rows},
        )

    def children(self, node: str | None) -> list[str]:
        """The regions directly under ``node`` (the top level when ``None``), by code."""
        return sorted(code for code, parent in self.parents.items() if parent == node)

    def under(self, node: str | None, code: str) -> str | None:
        """The child of ``node`` (``None``: the top level) that ``code`` lies in or is; ``None``
        when ``code`` is not under ``node``."""
        seen: set[str] = set()
        current: str | None = code
        while current is not None and current not in seen:
            seen.add(current)
            parent = self.parents.get(current)
            if parent == node:
                return current
            current = parent
        return None

    def within(self, node: str) -> set[str]:
        """``node`` and every region below it."""
        found = {node}
        frontier = [node]
        while frontier:
            parent = frontier.pop()
            for code, up in self.parents.items():
                if up == parent and code not in found:
                    found.add(code)
                    frontier.append(code)
        return found


def check_filter(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> None:
    """Refuse a filter naming a wave or a region that does not exist, or days in the wrong
    order, with an error saying which."""
    if flt.since is not None and flt.until is not None and flt.since > flt.until:
        raise ValidationFailed(
            f"the range of days ends ({flt.until}) before it starts ({flt.since})",
            code="invalid-date-range",
        )
    if flt.wave is not None:
        known = uow.session.execute(
            select(func.count()).where(col(Wave.programme_id) == ctx.pid, col(Wave.number) == flt.wave)
        ).scalar_one()
        if not known:
            raise ValidationFailed(
                f"no wave {flt.wave} in this programme", code="unknown-wave", wave=flt.wave
            )
    if flt.region is not None and uow.session.get(Region, flt.region) is None:
        raise ValidationFailed(f"no region {flt.region!r}", code="unknown-region", region=flt.region)


def tally_conditions(regions: Regions | None, flt: ReportFilter, *, days: bool = True) -> list[Any]:
    """The ``WHERE`` of a tally query for ``flt`` (wave, region and below, days)."""
    found: list[Any] = []
    if flt.wave is not None:
        found.append(col(ReportTally.wave) == flt.wave)
    if flt.region is not None and regions is not None:
        found.append(col(ReportTally.region_code).in_(sorted(regions.within(flt.region))))
    if days and flt.since is not None:
        found.append(col(ReportTally.day) >= flt.since)
    if days and flt.until is not None:
        found.append(col(ReportTally.day) <= flt.until)
    return found


def tallied(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    flt: ReportFilter,
    by: Sequence[str] = (),
    stages: Iterable[str] | None = None,
    regions: Regions | None = None,
) -> dict[tuple[Any, ...], dict[str, int]]:
    """Milestones summed per ``by`` (columns of the tally: ``wave``, ``region_code``,
    ``day``) and stage, as ``{(by values...): {stage: count}}`` — one ``GROUP BY`` query."""
    if flt.region is not None and regions is None:
        regions = Regions.load(uow)
    dims = [getattr(ReportTally, name) for name in by]
    query = (
        select(*dims, col(ReportTally.stage), func.sum(ReportTally.count))
        .where(col(ReportTally.programme_id) == ctx.pid, *tally_conditions(regions, flt))
        .group_by(*dims, col(ReportTally.stage))
    )
    if stages is not None:
        query = query.where(col(ReportTally.stage).in_(list(stages)))
    found: dict[tuple[Any, ...], dict[str, int]] = {}
    for row in uow.session.execute(query).all():
        key = tuple(_day(v) for v in row[: len(dims)])
        found.setdefault(key, {})[row[len(dims)]] = int(row[-1])
    return found


def _day(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else value


def application_conditions(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> list[Any]:
    """The ``WHERE`` on :class:`Application` for ``flt``'s wave and region (days apply to
    each figure's own date column)."""
    found: list[Any] = [col(Application.programme_id) == ctx.pid]
    if flt.wave is not None:
        found.append(
            col(Application.wave_id).in_(
                select(col(Wave.id)).where(col(Wave.programme_id) == ctx.pid, col(Wave.number) == flt.wave)
            )
        )
    if flt.region is not None:
        found.append(col(Application.region_code).in_(sorted(Regions.load(uow).within(flt.region))))
    return found


def day_conditions(column: Any, flt: ReportFilter) -> list[Any]:
    """``column`` (a timestamp) within ``flt``'s days, inclusive, in UTC."""
    found: list[Any] = []
    if flt.since is not None:
        found.append(column >= datetime.combine(flt.since, time.min, UTC))
    if flt.until is not None:
        found.append(column < datetime.combine(flt.until + timedelta(days=1), time.min, UTC))
    return found
