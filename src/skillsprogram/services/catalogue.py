"""Geography and the course catalogue: loaded from the country plugins."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import CourseSpec, RegionSpec
from skillsprogram.domain.models import Course, Platform, Region, TrainingProvider
from skillsprogram.storage.uow import UnitOfWork


def sync_regions(uow: UnitOfWork, ctx: ProgrammeContext) -> int:
    """Load the regions the enabled plugins provide (new codes added, names updated)."""
    specs: list[RegionSpec] = [
        region for offered in ctx.hook.skillsprogram_regions(programme=ctx.config) for region in offered
    ]
    return upsert_regions(uow, specs)


def upsert_regions(uow: UnitOfWork, specs: Iterable[RegionSpec]) -> int:
    """Insert or update regions, parents first."""
    existing = {r.code: r for r in uow.session.execute(select(Region)).scalars()}
    count = 0
    for spec in sorted(specs, key=lambda s: s.level):
        row = existing.get(spec.code)
        if row is None:
            row = Region(
                code=spec.code,
                name=spec.name,
                level=spec.level,
                parent_code=spec.parent_code,
                tags=list(spec.tags),
            )
            uow.session.add(row)
            existing[spec.code] = row
        else:
            row.name, row.level, row.parent_code, row.tags = (
                spec.name,
                spec.level,
                spec.parent_code,
                list(spec.tags),
            )
        count += 1
    uow.session.flush()
    return count


def add_courses(uow: UnitOfWork, ctx: ProgrammeContext, courses: Iterable[CourseSpec]) -> int:
    """Publish courses (with their providers and platforms) in the programme's currency;
    codes already in the catalogue are skipped."""
    platforms = {p.code: p for p in uow.session.execute(select(Platform)).scalars()}
    providers = {p.code: p for p in uow.session.execute(select(TrainingProvider)).scalars()}
    known = set(uow.session.execute(select(col(Course.code))).scalars())
    added = 0
    for spec in courses:
        if spec.code in known:
            continue
        _new_course(uow, ctx, spec, platforms, providers)
        known.add(spec.code)
        added += 1
    uow.session.flush()
    return added


def add_course(uow: UnitOfWork, ctx: ProgrammeContext, spec: CourseSpec) -> Course:
    """Insert one course whose code is new (its platform and provider too, on first sight)
    and return it; a code taken meanwhile fails on the course's unique key."""
    platforms = {
        p.code: p
        for p in uow.session.execute(
            select(Platform).where(col(Platform.code) == spec.platform_code)
        ).scalars()
    }
    providers = {
        p.code: p
        for p in uow.session.execute(
            select(TrainingProvider).where(col(TrainingProvider.code) == spec.provider_code)
        ).scalars()
    }
    course = _new_course(uow, ctx, spec, platforms, providers)
    uow.session.flush()
    return course


def _new_course(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    spec: CourseSpec,
    platforms: dict[str, Platform],
    providers: dict[str, TrainingProvider],
) -> Course:
    platform = platforms.get(spec.platform_code)
    if platform is None:
        platform = platforms[spec.platform_code] = Platform(code=spec.platform_code, name=spec.platform_name)
        uow.session.add(platform)
    provider = providers.get(spec.provider_code)
    if provider is None:
        provider = providers[spec.provider_code] = TrainingProvider(
            code=spec.provider_code, name=spec.provider_name
        )
        uow.session.add(provider)
    uow.session.flush()
    course = Course(
        provider_id=provider.id,
        platform_id=platform.id,
        code=spec.code,
        title=spec.title,
        description=spec.description,
        field_of_study=spec.field_of_study,
        mode=spec.mode,
        price=spec.price,
        currency=ctx.config.currency,
        duration_days=spec.duration_days,
    )
    uow.session.add(course)
    return course
