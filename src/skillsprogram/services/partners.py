"""What platforms and providers may touch: their own courses and their own enrolments."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.access import ApiClient, ClientRole
from skillsprogram.domain.exchange import CourseSpec
from skillsprogram.domain.models import Course, Platform, Purchase, TrainingProvider
from skillsprogram.errors import DomainError, ValidationFailed
from skillsprogram.services import catalogue
from skillsprogram.services.audit import Change, record
from skillsprogram.storage.uow import UnitOfWork


def publish_course(uow: UnitOfWork, ctx: ProgrammeContext, spec: CourseSpec, by: ClientRole) -> Course:
    """Put one course on sale for the platform or provider publishing it (``by``).

    The publisher names itself (the API checks its key's organisation) and is added to
    the catalogue with its first course. The other organisation it names must be
    registered already: a provider sells only on a platform the programme knows, a
    platform sells only courses of a provider the programme knows; known means in the
    catalogue, or holding an active API key an administrator issued. A code already in
    the catalogue is refused (``course-exists``), also to the loser of two publications
    of one code at the same moment, which leaves no course and no audit event behind.
    """
    return uow.recheck_on_conflict(lambda: _publish(uow, ctx, spec, by))


def _publish(uow: UnitOfWork, ctx: ProgrammeContext, spec: CourseSpec, by: ClientRole) -> Course:
    if uow.session.execute(select(col(Course.id)).where(col(Course.code) == spec.code)).first() is not None:
        raise DomainError(
            f"a course {spec.code!r} is already in the catalogue", code="course-exists", field="code"
        )
    if by is ClientRole.PROVIDER and not _registered(uow, Platform, ClientRole.PLATFORM, spec.platform_code):
        raise ValidationFailed(
            f"no platform {spec.platform_code!r} is registered with the programme",
            code="unknown-platform",
            field="platform_code",
        )
    if by is ClientRole.PLATFORM and not _registered(
        uow, TrainingProvider, ClientRole.PROVIDER, spec.provider_code
    ):
        raise ValidationFailed(
            f"no provider {spec.provider_code!r} is registered with the programme",
            code="unknown-provider",
            field="provider_code",
        )
    course = catalogue.add_course(uow, ctx, spec)
    record(
        uow,
        ctx,
        [
            Change(
                "course",
                course.id,
                "course_published",
                None,
                "active",
                {
                    "code": spec.code,
                    "provider": spec.provider_code,
                    "platform": spec.platform_code,
                    "price": spec.price,
                },
            )
        ],
    )
    return course


def _registered(
    uow: UnitOfWork, model: type[Platform] | type[TrainingProvider], role: ClientRole, code: str
) -> bool:
    """Whether the organisation ``code`` is in the catalogue or holds an active API key."""
    if uow.session.execute(select(col(model.id)).where(col(model.code) == code)).first() is not None:
        return True
    keyed = select(col(ApiClient.id)).where(
        col(ApiClient.role) == role.value,
        col(ApiClient.owner_code) == code,
        col(ApiClient.revoked_at).is_(None),
    )
    return uow.session.execute(keyed.limit(1)).first() is not None


def purchases_by_redeem_code(uow: UnitOfWork, codes: Sequence[str]) -> dict[str, uuid.UUID]:
    """Purchase ids by (normalised) redeem code, for the codes that exist."""
    wanted = [code.strip().upper() for code in codes]
    query = select(col(Purchase.redeem_code), col(Purchase.id))
    return {
        code: purchase_id for code, purchase_id in uow.rows_among(query, col(Purchase.redeem_code), wanted)
    }


def provider_purchases(
    uow: UnitOfWork, provider_code: str, purchase_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """The purchases among ``purchase_ids`` that are of courses of provider ``provider_code``."""
    query = (
        select(col(Purchase.id))
        .join(Course, col(Course.id) == Purchase.course_id)
        .join(TrainingProvider, col(TrainingProvider.id) == Course.provider_id)
        .where(col(TrainingProvider.code) == provider_code)
    )
    return set(uow.scalars_among(query, col(Purchase.id), purchase_ids))
