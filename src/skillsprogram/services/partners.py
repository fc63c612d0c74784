"""What platforms and providers may touch: their own courses and their own enrolments.

An organisation's own courses are those it teaches (a provider) or sells (a platform);
its enrolments are the purchases of its own courses. Anything else looks to it as if it
did not exist (``course-not-found``, ``purchase-not-found``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.access import ApiClient, ClientRole
from skillsprogram.domain.exchange import CourseSpec
from skillsprogram.domain.lifecycle import PurchaseStatus
from skillsprogram.domain.models import Completion, Course, Platform, Purchase, TrainingProvider
from skillsprogram.errors import DomainError, InvalidTransition, NotFound, ValidationFailed
from skillsprogram.services import catalogue, training
from skillsprogram.services.audit import Change, record
from skillsprogram.services.imports import Rows, UnreadableFile, read_csv
from skillsprogram.services.listings import CatalogueCourse
from skillsprogram.services.outcomes import Outcome
from skillsprogram.services.paging import keyset_page
from skillsprogram.services.uploads import UploadReport, row_by_row
from skillsprogram.storage.uow import UnitOfWork

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Organisation:
    """A platform or a provider, as its API key names it."""

    role: ClientRole
    code: str

    @property
    def is_provider(self) -> bool:
        """Whether it teaches courses (and so redeems codes and reports training)."""
        return self.role is ClientRole.PROVIDER


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


def _owns(organisation: Organisation) -> ColumnElement[bool]:
    """The condition on a query joined to its course's provider and platform that keeps
    the organisation's own courses."""
    if organisation.role is ClientRole.PLATFORM:
        return col(Platform.code) == organisation.code
    if organisation.role is ClientRole.PROVIDER:
        return col(TrainingProvider.code) == organisation.code
    raise ValidationFailed(f"a {organisation.role} has no courses", code="not-an-organisation")


def _catalogue_query() -> Any:
    return (
        select(Course, TrainingProvider, Platform)
        .join(TrainingProvider, col(TrainingProvider.id) == col(Course.provider_id))
        .join(Platform, col(Platform.id) == col(Course.platform_id))
    )


def own_courses(
    uow: UnitOfWork, organisation: Organisation, *, after: uuid.UUID | None = None, limit: int = 50
) -> list[CatalogueCourse]:
    """The organisation's courses, on sale or withdrawn, in id order (keyset pages)."""
    query = _catalogue_query().where(_owns(organisation))
    rows = uow.session.execute(keyset_page(query, col(Course.id), after, limit)).all()
    return [CatalogueCourse(course, provider, platform) for course, provider, platform in rows]


def own_course(
    uow: UnitOfWork, organisation: Organisation, course_id: uuid.UUID, *, lock: bool = False
) -> CatalogueCourse:
    """One of the organisation's courses; another's is ``course-not-found``, as if it did
    not exist."""
    query = _catalogue_query().where(col(Course.id) == course_id, _owns(organisation))
    if lock:
        query = query.with_for_update(of=Course)
    row = uow.session.execute(query).first()
    if row is None:
        raise NotFound(f"no course {course_id} among this {organisation.role}'s", code="course-not-found")
    return CatalogueCourse(*row)


@dataclass(frozen=True, slots=True)
class CourseChange:
    """What a publisher changes of a course on sale: its price (for purchases from now on;
    those made keep the price they were made at) and its description. ``None`` leaves
    a value as it is; an empty description removes it."""

    price: int | None = None
    description: str | None = None


def change_course(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    organisation: Organisation,
    course_id: uuid.UUID,
    change: CourseChange,
) -> CatalogueCourse:
    """Change the price or description of one of the organisation's courses on sale
    (audited as ``course_changed``, with the old and new values). A withdrawn course is
    ``course-withdrawn``."""
    entry = own_course(uow, organisation, course_id, lock=True)
    course = entry.course
    if not course.active:
        raise InvalidTransition("a withdrawn course cannot be changed", code="course-withdrawn")
    if change.price is not None and change.price < 0:
        raise ValidationFailed("a price is not negative", code="invalid-price", field="price")
    changed: dict[str, Any] = {}
    if change.price is not None and change.price != course.price:
        changed["price"] = {"from": course.price, "to": change.price}
        course.price = change.price
    if change.description is not None:
        description = change.description.strip() or None
        if description != course.description:
            changed["description"] = True
            course.description = description
    if changed:
        uow.session.flush()
        record(uow, ctx, [Change("course", course.id, "course_changed", "active", "active", changed)])
    return entry


def withdraw_course(
    uow: UnitOfWork, ctx: ProgrammeContext, organisation: Organisation, course_id: uuid.UUID
) -> CatalogueCourse:
    """Take one of the organisation's courses off sale (audited as ``course_withdrawn``;
    withdrawing it again changes nothing).

    It leaves the catalogue and can no longer be bought. Purchases already made stand:
    their codes are still redeemed, their completions and attendance still reported and
    their incentives still earned, since the beneficiary paid with their voucher.
    """
    entry = own_course(uow, organisation, course_id, lock=True)
    course = entry.course
    if course.active:
        course.active = False
        uow.session.flush()
        record(uow, ctx, [Change("course", course.id, "course_withdrawn", "active", "withdrawn")])
    return entry


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A purchase of one of the organisation's courses."""

    purchase: Purchase
    course: Course
    completed_at: datetime | None

    @property
    def id(self) -> uuid.UUID:
        """The purchase's id (the listing's page key)."""
        return self.purchase.id


def enrolments(
    uow: UnitOfWork,
    organisation: Organisation,
    *,
    course_id: uuid.UUID | None = None,
    status: str | None = None,
    after: uuid.UUID | None = None,
    limit: int = 50,
) -> list[Enrolment]:
    """Purchases of the organisation's courses in id order (keyset pages), filtered by
    course and by state (``purchased``, ``redeemed``, ``completed``, ``cancelled``)."""
    query = (
        select(Purchase, Course, col(Completion.completed_at))
        .join(Course, col(Course.id) == col(Purchase.course_id))
        .join(TrainingProvider, col(TrainingProvider.id) == col(Course.provider_id))
        .join(Platform, col(Platform.id) == col(Course.platform_id))
        .outerjoin(Completion, col(Completion.purchase_id) == col(Purchase.id))
        .where(_owns(organisation))
    )
    if course_id is not None:
        query = query.where(col(Purchase.course_id) == course_id)
    if status is not None:
        query = query.where(col(Purchase.status) == status)
    rows = uow.session.execute(keyset_page(query, col(Purchase.id), after, limit)).all()
    return [Enrolment(purchase, course, completed_at) for purchase, course, completed_at in rows]


@dataclass(frozen=True, slots=True)
class Summary:
    """An organisation's figures: its courses on sale and withdrawn, its enrolments by state."""

    courses_on_sale: int
    courses_withdrawn: int
    enrolments: dict[str, int] = field(default_factory=dict)

    @property
    def enrolled(self) -> int:
        """Every enrolment, whatever its state."""
        return sum(self.enrolments.values())


def summary(uow: UnitOfWork, organisation: Organisation) -> Summary:
    """The organisation's courses and enrolments, counted by SQL (every state listed, zero
    when it has none)."""
    courses = (
        select(col(Course.active), func.count())
        .join(TrainingProvider, col(TrainingProvider.id) == col(Course.provider_id))
        .join(Platform, col(Platform.id) == col(Course.platform_id))
        .where(_owns(organisation))
        .group_by(col(Course.active))
    )
    by_activity = {bool(active): int(count) for active, count in uow.session.execute(courses)}
    purchases = (
        select(col(Purchase.status), func.count())
        .join(Course, col(Course.id) == col(Purchase.course_id))
        .join(TrainingProvider, col(TrainingProvider.id) == col(Course.provider_id))
        .join(Platform, col(Platform.id) == col(Course.platform_id))
        .where(_owns(organisation))
        .group_by(col(Purchase.status))
    )
    by_state = {state.value: 0 for state in PurchaseStatus}
    by_state.update({str(status): int(count) for status, count in uow.session.execute(purchases)})
    return Summary(by_activity.get(True, 0), by_activity.get(False, 0), by_state)


def for_own_enrolments(
    uow: UnitOfWork,
    provider_code: str,
    purchase_ids: Sequence[uuid.UUID | None],
    items: Sequence[T],
    run: Callable[[list[T]], Sequence[Outcome[Any]]],
) -> list[Outcome[Any]]:
    """Run the batch service ``run`` on the items whose purchase is an enrolment in one of
    provider ``provider_code``'s courses; the others are refused as ``purchase-not-found``
    (a provider must not learn of other providers' trainees). Outcomes come back in the
    order of ``items``."""
    owned = provider_purchases(uow, provider_code, [p for p in purchase_ids if p])
    ours = [pid is not None and pid in owned for pid in purchase_ids]
    done = iter(run([item for item, mine in zip(items, ours, strict=True) if mine]))
    refused: Outcome[Any] = Outcome(
        error=NotFound("no such purchase among this provider's courses", code="purchase-not-found")
    )
    return [next(done) if mine else refused for mine in ours]


def redeem_own(
    uow: UnitOfWork, ctx: ProgrammeContext, provider_code: str, codes: Sequence[str]
) -> list[Outcome[Any]]:
    """Redeem the codes beneficiaries brought to provider ``provider_code``; a code of
    another provider's course is ``purchase-not-found``."""
    ids = purchases_by_redeem_code(uow, codes)
    wanted = [ids.get(code.strip().upper()) for code in codes]
    return for_own_enrolments(
        uow, provider_code, wanted, list(codes), lambda mine: training.redeem_many(uow, ctx, mine)
    )


class _ForPurchase(Protocol):
    @property
    def purchase_id(self) -> uuid.UUID: ...


P = TypeVar("P", bound=_ForPurchase)


def _by_purchase(
    uow: UnitOfWork, provider_code: str, items: Sequence[P], run: Callable[[list[P]], Sequence[Outcome[Any]]]
) -> list[Outcome[Any]]:
    return for_own_enrolments(uow, provider_code, [i.purchase_id for i in items], list(items), run)


def complete_own(
    uow: UnitOfWork, ctx: ProgrammeContext, provider_code: str, reports: Sequence[training.CompletionReport]
) -> list[Outcome[Any]]:
    """Report completions of provider ``provider_code``'s enrolments (others are refused)."""
    return _by_purchase(uow, provider_code, reports, lambda mine: training.complete_many(uow, ctx, mine))


def attend_own(
    uow: UnitOfWork, ctx: ProgrammeContext, provider_code: str, reports: Sequence[training.AttendanceRequest]
) -> list[Outcome[Any]]:
    """Report monthly attendance of provider ``provider_code``'s enrolments (others are
    refused)."""
    return _by_purchase(
        uow, provider_code, reports, lambda mine: training.report_attendance_many(uow, ctx, mine)
    )


#: The files a provider uploads: attendance and completions, each row by row.
UPLOAD_KINDS = ("attendance", "completions")
#: The most rows a file uploaded through the portal may hold: a larger one is refused
#: whole, before any row is written (the command line reads larger files).
MAX_UPLOAD_ROWS = 10_000


def _bounded(rows: Rows[M]) -> Rows[M]:
    if rows.total > MAX_UPLOAD_ROWS:
        raise UnreadableFile(
            f"{rows.total:,} rows, more than the {MAX_UPLOAD_ROWS:,} a file may hold",
            reason="too-many-rows",
            rows=rows.total,
            limit=MAX_UPLOAD_ROWS,
        )
    return rows


def upload(ctx: ProgrammeContext, provider_code: str, kind: str, content: bytes, limit: int) -> UploadReport:
    """Apply a provider's CSV file of ``kind`` (``attendance``: ``purchase_id, period,
    attendance_percent``; ``completions``: ``purchase_id, certificate_number[, score]``)
    of at most ``limit`` bytes, row by row, as ``run report-attendance`` does.

    A file that cannot be read at all (too large, more than :data:`MAX_UPLOAD_ROWS` rows,
    not UTF-8, a wrong header) raises
    :class:`~skillsprogram.services.imports.UnreadableFile` and writes nothing. Each row
    is accepted or refused on its own; rows of other providers' enrolments are refused
    as ``purchase-not-found``. The same file sent again changes nothing: its rows are
    refused as ``already-reported`` or ``purchase-not-redeemed`` (completed already).
    """
    if kind == "attendance":
        attendance = _bounded(read_csv(content, training.AttendanceRow, limit))
        return row_by_row(
            ctx,
            attendance,
            training.AttendanceRow.request,
            lambda uow, chunk: attend_own(uow, ctx, provider_code, chunk),
        )
    if kind == "completions":
        completions = _bounded(read_csv(content, training.CompletedRow, limit))
        return row_by_row(
            ctx,
            completions,
            training.CompletedRow.report,
            lambda uow, chunk: complete_own(uow, ctx, provider_code, chunk),
        )
    raise ValidationFailed(f"no upload of {kind!r}", code="unknown-upload", field="kind")
