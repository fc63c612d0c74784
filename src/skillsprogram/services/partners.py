"""What platforms and providers may touch: their own courses and their own enrolments."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import CourseSpec
from skillsprogram.domain.models import Course, Purchase, TrainingProvider
from skillsprogram.errors import DomainError
from skillsprogram.services import catalogue
from skillsprogram.services.audit import Change, record
from skillsprogram.storage.uow import UnitOfWork


def publish_course(uow: UnitOfWork, ctx: ProgrammeContext, spec: CourseSpec) -> Course:
    """Put one course on sale (creating its provider and platform on first sight); a code
    already in the catalogue is refused."""
    if uow.session.execute(select(Course.id).where(Course.code == spec.code)).first() is not None:
        raise DomainError(
            f"a course {spec.code!r} is already in the catalogue", code="course-exists", field="code"
        )
    catalogue.add_courses(uow, ctx, [spec])
    course = uow.session.execute(select(Course).where(Course.code == spec.code)).scalar_one()
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


def purchases_by_redeem_code(uow: UnitOfWork, codes: Sequence[str]) -> dict[str, uuid.UUID]:
    """Purchase ids by (normalised) redeem code, for the codes that exist."""
    wanted = [code.strip().upper() for code in codes]
    rows = uow.session.execute(
        select(Purchase.redeem_code, Purchase.id).where(Purchase.redeem_code.in_(wanted))
    )
    return {code: purchase_id for code, purchase_id in rows.all()}


def provider_purchases(
    uow: UnitOfWork, provider_code: str, purchase_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """The purchases among ``purchase_ids`` that are of courses of provider ``provider_code``."""
    found: set[uuid.UUID] = set()
    ids = list(dict.fromkeys(purchase_ids))
    for start in range(0, len(ids), 1_000):
        found.update(
            uow.session.execute(
                select(Purchase.id)
                .join(Course, Course.id == Purchase.course_id)
                .join(TrainingProvider, TrainingProvider.id == Course.provider_id)
                .where(
                    uow.among(Purchase.id, ids[start : start + 1_000]), TrainingProvider.code == provider_code
                )
            ).scalars()
        )
    return found
