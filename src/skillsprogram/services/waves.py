"""Waves: open registration, close it, set quotas and draw the recipients."""

from __future__ import annotations

import secrets
import sys
import uuid
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import Candidate, WaveDraw
from skillsprogram.domain.lifecycle import DRAWABLE, ApplicationStatus, WaveStatus
from skillsprogram.domain.models import Application, Household, Person, Programme, Region, Wave, WaveQuota
from skillsprogram.domain.quotas import allocate, region_at_level
from skillsprogram.errors import ConfigurationError, InvalidTransition, NotFound, ValidationFailed
from skillsprogram.services.audit import Change, record
from skillsprogram.services.screening import household_recipients
from skillsprogram.services.transitions import CHUNK, Move, move_many
from skillsprogram.storage.uow import UnitOfWork


def open_wave(uow: UnitOfWork, ctx: ProgrammeContext, opens_at: datetime | None = None) -> Wave:
    """Open the next wave's registration window (``waves.registration_days`` long)."""
    # The programme's row is locked so that officers opening a wave at once open one.
    uow.session.get(Programme, ctx.pid, with_for_update=True)
    if uow.session.execute(
        select(Wave.id).where(Wave.programme_id == ctx.pid, Wave.status == WaveStatus.OPEN.value)
    ).first():
        raise InvalidTransition("a wave is already open; close it first", code="wave-already-open")
    last = uow.session.execute(select(func.max(Wave.number)).where(Wave.programme_id == ctx.pid)).scalar()
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
    query = select(Wave).where(Wave.programme_id == ctx.pid, Wave.number == number)
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
        select(Application.region_code, func.count())
        .where(
            Application.programme_id == ctx.pid,
            Application.status.in_([s.value for s in DRAWABLE]),
        )
        .group_by(Application.region_code)
    ).all()
    demand: Counter[str] = Counter()
    for region, count in rows:
        demand[region_at_level(region, level)] += count
    return dict(demand)


def set_quotas(uow: UnitOfWork, ctx: ProgrammeContext, number: int, quotas: Mapping[str, int]) -> None:
    """Fix a wave's quota per region (codes at ``waves.quota_level``)."""
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
    known = set(uow.session.execute(select(Region.code).where(Region.code.in_(list(quotas)))).scalars())
    has_geography = uow.session.execute(select(Region.code).limit(1)).first() is not None
    unknown = sorted(set(quotas) - known) if has_geography else []
    if unknown:
        raise ValidationFailed(f"unknown quota regions: {unknown[:5]}", code="unknown-region")
    uow.session.execute(WaveQuota.__table__.delete().where(WaveQuota.__table__.c.wave_id == wave.id))
    uow.session.add_all(WaveQuota(wave_id=wave.id, region_code=r, quota=q) for r, q in quotas.items())
    record(
        uow,
        ctx,
        [Change("wave", wave.id, "quotas_set", data={"total": sum(quotas.values()), "regions": len(quotas)})],
    )


def allocate_quotas(uow: UnitOfWork, ctx: ProgrammeContext, number: int, total: int) -> dict[str, int]:
    """Share ``total`` places over regions in proportion to drawable applicants, and set them."""
    quotas = allocate(total, demand_by_region(uow, ctx))
    set_quotas(uow, ctx, number, quotas)
    return quotas


def draw(uow: UnitOfWork, ctx: ProgrammeContext, number: int, seed: str | None = None) -> dict[str, int]:
    """Draw a closed wave: rank every drawable applicant, select within quotas and the
    household cap, waitlist the rest for later waves. All or nothing, in one transaction.
    A wave without drawable applicants needs no quotas: it is drawn empty.

    The seed is stored with the wave (publish it: with it anyone can re-run the draw).
    Draws run one at a time across the deployment: the family-card cap counts recipients
    of every programme, so a draw must see those of a draw that committed just before.
    """
    uow.serialise("draw")
    wave = get_wave(uow, ctx, number, lock=True)
    if wave.status != WaveStatus.CLOSED.value:
        raise InvalidTransition(
            f"wave {number} is {wave.status}; only a closed wave is drawn", code="wave-not-closed"
        )
    quotas = {
        q.region_code: q.quota
        for q in uow.session.execute(select(WaveQuota).where(WaveQuota.wave_id == wave.id)).scalars()
    }
    seed = seed or secrets.token_hex(16)
    level = ctx.config.waves.quota_level
    # Streamed into the candidates as read: a wave's draw holds one small object per
    # drawable applicant, not every database row besides.
    rows = uow.session.execute(
        select(
            Application.id,
            Application.person_id,
            Application.status,
            Application.region_code,
            Application.attributes,
            Application.registered_at,
            Person.household_id,
        )
        .join(Person, Person.id == Application.person_id)
        .where(
            Application.programme_id == ctx.pid,
            Application.status.in_([s.value for s in DRAWABLE]),
        )
        .execution_options(yield_per=CHUNK)
    )
    candidates: dict[uuid.UUID, Candidate] = {}
    meta: dict[uuid.UUID, tuple[uuid.UUID, str]] = {}
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
        meta[app_id] = (person_id, sys.intern(status))
    if not quotas and candidates:
        raise ConfigurationError(
            f"wave {number} has no quotas; set or allocate them first", code="wave-without-quotas"
        )
    # A wave nobody is eligible in is drawn all the same, empty, so that it is done with.
    order: list[uuid.UUID] = (
        ctx.hook.skillsprogram_rank_candidates(
            candidates=list(candidates.values()),
            wave=WaveDraw(wave_id=wave.id, number=wave.number, seed=seed, quotas=quotas),
            programme=ctx.config,
        )
        if candidates
        else []
    )
    if len(order) != len(candidates) or set(order) != candidates.keys():
        raise ConfigurationError("the selection plugin did not rank every candidate exactly once")
    cap = ctx.config.eligibility.max_recipients_per_household
    in_household = Counter(
        household_recipients(uow, [c.household_id for c in candidates.values() if c.household_id is not None])
    )
    left = dict(quotas)
    counts = {"selected": 0, "waitlisted": 0}
    # Decided and written a slice of the ranking at a time, so the moves and their audit
    # rows never exist for the whole wave at once.
    for start in range(0, len(order), CHUNK):
        selected, waitlisted = [], []
        for rank, app_id in enumerate(order[start : start + CHUNK], start=start + 1):
            candidate = candidates[app_id]
            person_id, status = meta[app_id]
            household = candidate.household_id
            household_full = cap is not None and household is not None and in_household[household] >= cap
            if left.get(candidate.quota_region, 0) > 0 and not household_full:
                left[candidate.quota_region] -= 1
                if household is not None:
                    in_household[household] += 1
                selected.append(Move(app_id, status, person_id, {"rank": rank, "wave": number}))
            else:
                waitlisted.append(Move(app_id, status, person_id, {"rank": rank, "wave": number}))
        move_many(uow, ctx, selected, ApplicationStatus.SELECTED, "selected", {"wave_id": wave.id})
        move_many(uow, ctx, waitlisted, ApplicationStatus.WAITLISTED, "waitlisted")
        counts["selected"] += len(selected)
        counts["waitlisted"] += len(waitlisted)
    for region, quota in quotas.items():
        uow.session.execute(
            update(WaveQuota)
            .where(WaveQuota.wave_id == wave.id, WaveQuota.region_code == region)
            .values(selected=quota - left[region])
        )
    wave.status = WaveStatus.DRAWN.value
    wave.seed = seed
    wave.drawn_at = ctx.clock.now()
    record(
        uow,
        ctx,
        [
            Change(
                "wave",
                wave.id,
                "wave_drawn",
                WaveStatus.CLOSED.value,
                wave.status,
                {"seed": seed, **counts},
            )
        ],
    )
    return counts
