"""The programme's lists, in keyset pages: applications, the audit log, the course
catalogue and the waves."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import Application, AuditEvent, Course, Platform, TrainingProvider, Wave
from skillsprogram.errors import NotFound
from skillsprogram.services.paging import keyset_page
from skillsprogram.storage.uow import UnitOfWork


def applications(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    *,
    status: str | None = None,
    wave_number: int | None = None,
    region_code: str | None = None,
    after: uuid.UUID | None = None,
    limit: int = 50,
) -> Sequence[Application]:
    """Applications of this programme in id order (keyset pages after ``after``), filtered
    by status, wave and region (a region code matches its sub-regions too)."""
    query = select(Application).where(col(Application.programme_id) == ctx.pid)
    if status is not None:
        query = query.where(col(Application.status) == status)
    if wave_number is not None:
        query = query.join(Wave, col(Wave.id) == col(Application.wave_id)).where(
            col(Wave.number) == wave_number
        )
    if region_code is not None:
        query = query.where(
            or_(
                col(Application.region_code) == region_code,
                col(Application.region_code).startswith(region_code + ".", autoescape=True),
            )
        )
    return uow.session.execute(keyset_page(query, col(Application.id), after, limit)).scalars().all()


def audit_events(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
    actor: str | None = None,
    after: int | None = None,
    limit: int = 100,
) -> Sequence[AuditEvent]:
    """The audit log of this programme (and deployment-wide events), oldest first."""
    query = select(AuditEvent).where(
        or_(col(AuditEvent.programme_id) == ctx.pid, col(AuditEvent.programme_id).is_(None))
    )
    for column, value in (
        (col(AuditEvent.entity), entity),
        (col(AuditEvent.entity_id), entity_id),
        (col(AuditEvent.action), action),
        (col(AuditEvent.actor), actor),
    ):
        if value is not None:
            query = query.where(column == value)
    return uow.session.execute(keyset_page(query, col(AuditEvent.id), after, limit)).scalars().all()


@dataclass(frozen=True, slots=True)
class CatalogueCourse:
    """A course on sale with who teaches it and where it is sold."""

    course: Course
    provider: TrainingProvider
    platform: Platform

    @property
    def id(self) -> uuid.UUID:
        """The course's id (the catalogue's page key)."""
        return self.course.id


@dataclass(frozen=True, slots=True)
class CourseFilter:
    """What a person looks for in the catalogue (every field left ``None`` matches all)."""

    search: str | None = None
    """Words the course's title, description, code or field contains (each of them,
    case-insensitive)."""
    mode: str | None = None
    """``online``, ``offline`` or ``hybrid``."""
    region_code: str | None = None
    """Where the person can attend: offline and hybrid courses of providers in this region
    or its sub-regions; online courses are open everywhere and always match."""
    field_of_study: str | None = None
    provider_code: str | None = None
    min_price: int | None = None
    max_price: int | None = None


def courses(
    uow: UnitOfWork,
    wanted: CourseFilter | None = None,
    *,
    after: uuid.UUID | None = None,
    limit: int = 50,
) -> list[CatalogueCourse]:
    """Active courses in id order (keyset pages after ``after``), narrowed by ``wanted``,
    each with its provider and platform."""
    wanted = wanted or CourseFilter()
    query = (
        select(Course, TrainingProvider, Platform)
        .join(TrainingProvider, col(TrainingProvider.id) == col(Course.provider_id))
        .join(Platform, col(Platform.id) == col(Course.platform_id))
        .where(col(Course.active).is_(True))
    )
    for words in (wanted.search or "").split():
        word = words.lower()
        query = query.where(
            or_(
                *(
                    func.lower(column).contains(word, autoescape=True)
                    for column in (
                        col(Course.title),
                        col(Course.description),
                        col(Course.code),
                        col(Course.field_of_study),
                    )
                )
            )
        )
    if wanted.mode is not None:
        query = query.where(col(Course.mode) == wanted.mode)
    if wanted.region_code is not None:
        query = query.where(
            or_(
                col(Course.mode) == "online",
                col(TrainingProvider.region_code) == wanted.region_code,
                col(TrainingProvider.region_code).startswith(wanted.region_code + ".", autoescape=True),
            )
        )
    if wanted.field_of_study is not None:
        query = query.where(col(Course.field_of_study) == wanted.field_of_study)
    if wanted.provider_code is not None:
        query = query.where(col(TrainingProvider.code) == wanted.provider_code)
    if wanted.min_price is not None:
        query = query.where(col(Course.price) >= wanted.min_price)
    if wanted.max_price is not None:
        query = query.where(col(Course.price) <= wanted.max_price)
    rows = uow.session.execute(keyset_page(query, col(Course.id), after, limit)).all()
    return [CatalogueCourse(course, provider, platform) for course, provider, platform in rows]


def course(uow: UnitOfWork, course_id: uuid.UUID, *, on_sale: bool = True) -> CatalogueCourse:
    """One course with its provider and platform: one still on sale unless ``on_sale`` is
    false (a course bought earlier may have been withdrawn since); else not found."""
    query = (
        select(Course, TrainingProvider, Platform)
        .join(TrainingProvider, col(TrainingProvider.id) == col(Course.provider_id))
        .join(Platform, col(Platform.id) == col(Course.platform_id))
        .where(col(Course.id) == course_id)
    )
    if on_sale:
        query = query.where(col(Course.active).is_(True))
    row = uow.session.execute(query).first()
    if row is None:
        raise NotFound(f"no course {course_id} on sale", code="course-not-found")
    return CatalogueCourse(*row)


@dataclass(frozen=True, slots=True)
class CatalogueChoices:
    """The values the catalogue's filters offer: the fields and providers of active courses."""

    fields: list[str]
    providers: list[tuple[str, str]]
    """Each provider's code and name, by name."""


def catalogue_choices(uow: UnitOfWork) -> CatalogueChoices:
    """What the filters of the catalogue may be set to."""
    active = col(Course.active).is_(True)
    fields = uow.session.execute(
        select(col(Course.field_of_study)).where(active).distinct().order_by(col(Course.field_of_study))
    ).scalars()
    providers = uow.session.execute(
        select(col(TrainingProvider.code), col(TrainingProvider.name))
        .join(Course, col(Course.provider_id) == col(TrainingProvider.id))
        .where(active)
        .distinct()
        .order_by(col(TrainingProvider.name))
    ).all()
    return CatalogueChoices(list(fields), [(code, name) for code, name in providers])


def waves_of(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    *,
    status: str | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Sequence[Wave]:
    """The programme's waves in order (pages after wave number ``after``), by status."""
    query = select(Wave).where(col(Wave.programme_id) == ctx.pid)
    if status is not None:
        query = query.where(col(Wave.status) == status)
    return uow.session.execute(keyset_page(query, col(Wave.number), after, limit)).scalars().all()


def wave_numbers(uow: UnitOfWork, ctx: ProgrammeContext) -> dict[uuid.UUID, int]:
    """Each wave's number by its id (a programme has a few dozen waves at most)."""
    rows = uow.session.execute(
        select(col(Wave.id), col(Wave.number)).where(col(Wave.programme_id) == ctx.pid)
    )
    return {wave_id: number for wave_id, number in rows}
