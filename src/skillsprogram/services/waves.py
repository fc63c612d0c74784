"""Waves: open registration, close it, share the places over regions and draw the recipients.

How places are shared is the programme's choice (``[waves] quota_allocation``): by
demand, by the regions' population, or a fixed table; :func:`allocate_quotas` applies it.
The draw ranks the candidates through the selection plugins and walks the ranking with
:class:`~skillsprogram.domain.quotas.QuotaWalk` (quotas and the household cap).
"""

from __future__ import annotations

import secrets
import sys
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlmodel import col

from skillsprogram.config import ProgrammeConfig
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import Candidate, RegionSpec, WaveDraw
from skillsprogram.domain.lifecycle import DRAWABLE, ApplicationStatus, WaveStatus
from skillsprogram.domain.models import Application, Household, Person, Programme, Region, Wave, WaveQuota
from skillsprogram.domain.quotas import QuotaWalk, Seat, allocate, by_population, region_at_level
from skillsprogram.errors import ConfigurationError, InvalidTransition, NotFound, ValidationFailed
from skillsprogram.services.audit import Change, record
from skillsprogram.services.screening import household_recipients
from skillsprogram.services.transitions import Move, move_many
from skillsprogram.storage.uow import CHUNK, UnitOfWork, slices


def open_wave(uow: UnitOfWork, ctx: ProgrammeContext, opens_at: datetime | None = None) -> Wave:
    """Open the next wave's registration window (``waves.registration_days`` long)."""
    # The programme's row is locked so that officers opening a wave at once open one.
    uow.session.get(Programme, ctx.pid, with_for_update=True)
    if uow.session.execute(
        select(col(Wave.id)).where(
            col(Wave.programme_id) == ctx.pid, col(Wave.status) == WaveStatus.OPEN.value
        )
    ).first():
        raise InvalidTransition("a wave is already open; close it first", code="wave-already-open")
    last = uow.session.execute(
        select(func.max(col(Wave.number))).where(col(Wave.programme_id) == ctx.pid)
    ).scalar()
    start = opens_at or ctx.clock.now()
    wave = Wave(
        programme_id=ctx.pid,
        number=(last or 0) + 1,
        status=WaveStatus.OPEN.value,
        opens_at=start,
        closes_at=start + timedelta(days=ctx.config.waves.registration_days),
    )
    uow.session.add(wave)
    uow.session.flush()
    record(uow, ctx, [Change("wave", wave.id, "wave_opened", None, wave.status, {"number": wave.number})])
    return wave


def get_wave(uow: UnitOfWork, ctx: ProgrammeContext, number: int, lock: bool = False) -> Wave:
    """The programme's wave ``number`` (locked until the transaction ends when ``lock``: the
    steps that move a wave take it so that two officers cannot both move it)."""
    query = select(Wave).where(col(Wave.programme_id) == ctx.pid, col(Wave.number) == number)
    wave = uow.session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if wave is None:
        raise NotFound(f"no wave {number} in this programme", code="wave-not-found")
    return wave


def close_wave(uow: UnitOfWork, ctx: ProgrammeContext, number: int) -> Wave:
    """End a wave's registration window."""
    wave = get_wave(uow, ctx, number, lock=True)
    if wave.status != WaveStatus.OPEN.value:
        raise InvalidTransition(f"wave {number} is {wave.status}, not open", code="wave-not-open")
    wave.status = WaveStatus.CLOSED.value
    now = ctx.clock.now()
    wave.closes_at = min(wave.closes_at, now)
    record(uow, ctx, [Change("wave", wave.id, "wave_closed", WaveStatus.OPEN.value, wave.status)])
    # The wave-wide steps that follow (identity, screening, the draw) read tables that
    # grew by a whole wave's registrations: let the planner see them at their new size.
    uow.refresh_statistics(Application, Person, Household)
    return wave


def demand_by_region(uow: UnitOfWork, ctx: ProgrammeContext) -> dict[str, int]:
    """Drawable applicants per quota region (at ``waves.quota_level``)."""
    level = ctx.config.waves.quota_level
    rows = uow.session.execute(
        select(col(Application.region_code), func.count())
        .where(
            col(Application.programme_id) == ctx.pid,
            col(Application.status).in_([s.value for s in DRAWABLE]),
        )
        .group_by(col(Application.region_code))
    ).all()
    demand: Counter[str] = Counter()
    for region, count in rows:
        demand[region_at_level(region, level)] += count
    return dict(demand)


def set_quotas(uow: UnitOfWork, ctx: ProgrammeContext, number: int, quotas: Mapping[str, int]) -> None:
    """Fix a wave's quota per region (codes at ``waves.quota_level``); the last step of
    :func:`allocate_quotas`."""
    wave = get_wave(uow, ctx, number, lock=True)
    if wave.status == WaveStatus.DRAWN.value:
        raise InvalidTransition(f"wave {number} has been drawn; its quotas are final", code="wave-drawn")
    level = ctx.config.waves.quota_level
    for region, quota in quotas.items():
        if quota < 0:
            raise ValidationFailed(f"quota for {region} is negative", code="invalid-quota")
        if len(region.split(".")) != level:
            raise ValidationFailed(
                f"quota region {region!r} is not at level {level}", code="invalid-quota-region"
            )
    known = set(uow.scalars_among(select(col(Region.code)), col(Region.code), quotas))
    has_geography = uow.session.execute(select(col(Region.code)).limit(1)).first() is not None
    unknown = sorted(set(quotas) - known) if has_geography else []
    if unknown:
        raise ValidationFailed(f"unknown quota regions: {unknown[:5]}", code="unknown-region")
    uow.session.execute(
        delete(WaveQuota)
        .where(col(WaveQuota.wave_id) == wave.id)
        .execution_options(synchronize_session=False)
    )
    uow.session.add_all(WaveQuota(wave_id=wave.id, region_code=r, quota=q) for r, q in quotas.items())
    record(
        uow,
        ctx,
        [Change("wave", wave.id, "quotas_set", data={"total": sum(quotas.values()), "regions": len(quotas)})],
    )


def population_by_region(ctx: ProgrammeContext) -> dict[str, int]:
    """The population of each quota region (at ``waves.quota_level``), from the regions
    the plugins provide (:class:`~skillsprogram.domain.exchange.RegionSpec` ``population``).

    Raises :class:`ConfigurationError` when no region at that level has a population."""
    level = ctx.config.waves.quota_level
    specs: list[RegionSpec] = [
        spec
        for offered in ctx.hook.skillsprogram_regions(programme=ctx.config)
        for spec in offered
        if spec.level == level
    ]
    population: dict[str, int] = {}
    for spec in specs:  # a region two plugins offer counts the population one of them gives
        if spec.population is not None:
            population[spec.code] = spec.population
        else:
            population.setdefault(spec.code, 0)
    if not any(spec.population is not None for spec in specs):
        raise ConfigurationError(
            f"quota_allocation = 'population' needs the population of the regions at level {level}",
            code="regions-without-population",
        )
    return population


def configured_places(ctx: ProgrammeContext) -> int | None:
    """A wave's size when the configuration fixes it (``quota_allocation = "fixed"``)."""
    rules = ctx.config.waves
    return sum(rules.fixed_quotas.values()) if rules.quota_allocation == "fixed" else None


def allocate_quotas(
    uow: UnitOfWork, ctx: ProgrammeContext, number: int, total: int | None = None
) -> dict[str, int]:
    """Share ``total`` places of wave ``number`` over regions as ``[waves] quota_allocation``
    says, and set them; returns the quotas.

    ``demand``: in proportion to drawable applicants (no region gets more places than it has
    applicants, so the places add up to at most ``total``). ``population``: in proportion
    to the regions' population, adding up to ``total``. ``fixed``: the ``fixed_quotas``
    table, whose sum is the wave's size (``total``, when given, must equal it). Shares are
    rounded by the largest remainder.
    """
    rules = ctx.config.waves
    fixed = configured_places(ctx)
    if fixed is not None and total is not None and total != fixed:
        raise ValidationFailed(
            f"the configured fixed quotas give {fixed} places, not {total}", code="invalid-quota"
        )
    if fixed is None and total is None:
        raise ValidationFailed("say how many places the wave has", code="invalid-quota", field="total")
    if total is not None and total < 0:
        raise ValidationFailed("a wave cannot have fewer than no places", code="invalid-quota")
    if rules.quota_allocation == "fixed":
        quotas = dict(rules.fixed_quotas)
    elif rules.quota_allocation == "population":
        assert total is not None
        quotas = by_population(total, population_by_region(ctx))
    else:
        assert total is not None
        quotas = allocate(total, demand_by_region(uow, ctx))
    set_quotas(uow, ctx, number, quotas)
    return quotas


@dataclass(frozen=True, slots=True)
class _Drawn:
    """A drawable applicant as the draw needs it besides its :class:`Candidate`."""

    person_id: uuid.UUID
    status: str


def draw(uow: UnitOfWork, ctx: ProgrammeContext, number: int, seed: str | None = None) -> dict[str, int]:
    """Draw a closed wave: rank every drawable applicant, select within quotas and the
    household cap, waitlist the rest for later waves. All or nothing, in one transaction.
    A wave without drawable applicants needs no quotas: it is drawn empty.

    The seed is stored with the wave (publish it: with it anyone can re-run the draw).
    Draws run one at a time across the deployment: the family-card cap counts recipients
    of every programme, so a draw must see those of a draw that committed just before.
    """
    uow.serialise("draw")
    wave = closed_wave(uow, ctx, number)
    quotas = quotas_of(uow, wave)
    seed = seed or secrets.token_hex(16)
    candidates, drawn = drawable(uow, ctx)
    if not quotas and candidates:
        raise ConfigurationError(
            f"wave {number} has no quotas; set or allocate them first", code="wave-without-quotas"
        )
    draw_of = WaveDraw(wave_id=wave.id, number=wave.number, seed=seed, quotas=dict(quotas))
    order = ranking(ctx.hook, ctx.config, draw_of, candidates)
    walk = QuotaWalk(
        quotas,
        ctx.config.eligibility.max_recipients_per_household,
        Counter(
            household_recipients(
                uow, [c.household_id for c in candidates.values() if c.household_id is not None]
            )
        ),
    )
    counts = _select(uow, ctx, wave, order, candidates, drawn, walk)
    _close_draw(uow, ctx, wave, seed, walk, counts)
    return counts


def closed_wave(uow: UnitOfWork, ctx: ProgrammeContext, number: int, lock: bool = True) -> Wave:
    """Wave ``number`` when it is closed and not yet drawn (``wave-not-closed`` otherwise)."""
    wave = get_wave(uow, ctx, number, lock=lock)
    if wave.status != WaveStatus.CLOSED.value:
        raise InvalidTransition(
            f"wave {number} is {wave.status}; only a closed wave is drawn", code="wave-not-closed"
        )
    return wave


def quotas_of(uow: UnitOfWork, wave: Wave) -> dict[str, int]:
    """The places of ``wave`` per quota region, as set before the draw."""
    query = select(col(WaveQuota.region_code), col(WaveQuota.quota)).where(col(WaveQuota.wave_id) == wave.id)
    return {region: quota for region, quota in uow.session.execute(query)}


def drawable(
    uow: UnitOfWork, ctx: ProgrammeContext
) -> tuple[dict[uuid.UUID, Candidate], dict[uuid.UUID, _Drawn]]:
    """Every drawable applicant of the programme, as a candidate for the selection plugins.

    Streamed into the candidates as read: a wave's draw holds one small object per drawable
    applicant, not every database row besides."""
    level = ctx.config.waves.quota_level
    rows = uow.session.execute(
        select(
            col(Application.id),
            col(Application.person_id),
            col(Application.status),
            col(Application.region_code),
            col(Application.attributes),
            col(Application.registered_at),
            col(Person.household_id),
        )
        .join(Person, col(Person.id) == col(Application.person_id))
        .where(
            col(Application.programme_id) == ctx.pid,
            col(Application.status).in_([s.value for s in DRAWABLE]),
        )
        .execution_options(yield_per=CHUNK)
    )
    candidates: dict[uuid.UUID, Candidate] = {}
    drawn: dict[uuid.UUID, _Drawn] = {}
    # Region codes and statuses repeat across the wave: one shared string each.
    quota_regions: dict[str, str] = {}
    for app_id, person_id, status, region_code, attributes, registered_at, household_id in rows:
        region_code = sys.intern(region_code)
        if region_code not in quota_regions:
            quota_regions[region_code] = sys.intern(region_at_level(region_code, level))
        candidates[app_id] = Candidate(
            application_id=app_id,
            household_id=household_id,
            region_code=region_code,
            quota_region=quota_regions[region_code],
            attributes=attributes or {},
            registered_at=registered_at,
        )
        drawn[app_id] = _Drawn(person_id, sys.intern(status))
    return candidates, drawn


def ranking(
    hook: Any, programme: ProgrammeConfig, wave: WaveDraw, candidates: Mapping[uuid.UUID, Candidate]
) -> list[uuid.UUID]:
    """The candidates in the order the selection plugins (``hook``) rank them, best first
    (the draw's and its replay's one ranking)."""
    if not candidates:
        # A wave nobody is eligible in is drawn all the same, empty, so that it is done with.
        return []
    order: list[uuid.UUID] = hook.skillsprogram_rank_candidates(
        candidates=list(candidates.values()), wave=wave, programme=programme
    )
    if len(order) != len(candidates) or set(order) != candidates.keys():
        raise ConfigurationError("the selection plugin did not rank every candidate exactly once")
    return order


def _select(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    wave: Wave,
    order: Sequence[uuid.UUID],
    candidates: Mapping[uuid.UUID, Candidate],
    drawn: Mapping[uuid.UUID, _Drawn],
    walk: QuotaWalk,
) -> dict[str, int]:
    """Walk the ranking, selecting or waitlisting each candidate, and write the moves.

    Decided and written a slice of the ranking at a time, so the moves and their audit rows
    never exist for the whole wave at once."""
    counts = {"selected": 0, "waitlisted": 0}
    ranked = list(enumerate(order, start=1))
    for chunk in slices(ranked):
        selected: list[Move] = []
        waitlisted: list[Move] = []
        for rank, app_id in chunk:
            candidate, who = candidates[app_id], drawn[app_id]
            chosen = walk.admit(Seat(candidate.quota_region, candidate.household_id))
            moving = Move(app_id, who.status, who.person_id, {"rank": rank, "wave": wave.number})
            (selected if chosen else waitlisted).append(moving)
        move_many(uow, ctx, selected, ApplicationStatus.SELECTED, "selected", {"wave_id": wave.id})
        move_many(uow, ctx, waitlisted, ApplicationStatus.WAITLISTED, "waitlisted")
        counts["selected"] += len(selected)
        counts["waitlisted"] += len(waitlisted)
    return counts


def _close_draw(
    uow: UnitOfWork, ctx: ProgrammeContext, wave: Wave, seed: str, walk: QuotaWalk, counts: dict[str, int]
) -> None:
    """Record how many each region's quota selected, and the wave drawn with its seed."""
    for region, selected in walk.selected().items():
        uow.session.execute(
            update(WaveQuota)
            .where(col(WaveQuota.wave_id) == wave.id, col(WaveQuota.region_code) == region)
            .values(selected=selected)
        )
    wave.status = WaveStatus.DRAWN.value
    wave.seed = seed
    wave.drawn_at = ctx.clock.now()
    record(
        uow,
        ctx,
        [
            Change(
                "wave", wave.id, "wave_drawn", WaveStatus.CLOSED.value, wave.status, {"seed": seed, **counts}
            )
        ],
    )
