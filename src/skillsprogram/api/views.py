"""Turn service results into response bodies, disclosing personal values by role."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from skillsprogram.api.deps import ApiState
from skillsprogram.api.schemas import (
    AccountOut,
    ApplicationOut,
    ApplicationSummary,
    BatchOut,
    CourseOut,
    EnrolmentOut,
    EntitlementOut,
    FindingOut,
    GrievanceOut,
    ItemProblem,
    ItemResult,
    OrganisationSummaryOut,
    OwnCourseOut,
    PartyOut,
    PayoutOut,
    PersonOut,
    PurchaseOut,
    VoucherOut,
)
from skillsprogram.api.security import Principal
from skillsprogram.domain.grievances import Grievance
from skillsprogram.domain.models import Application, PaymentAccount, Payout, Purchase
from skillsprogram.services.listings import CatalogueCourse
from skillsprogram.services.outcomes import Outcome
from skillsprogram.services.partners import Enrolment, Summary
from skillsprogram.services.records import ApplicationRecord


def application(
    state: ApiState, principal: Principal, rec: ApplicationRecord, currency: str
) -> ApplicationOut:
    """An application record as the caller may see it."""
    person = rec.person
    voucher = None
    if rec.voucher is not None:
        voucher = VoucherOut(
            id=rec.voucher.id,
            status=rec.voucher.status,
            balance=rec.voucher_balance or 0,
            currency=currency,
            issued_at=rec.voucher.issued_at,
            first_purchase_deadline=rec.voucher.first_purchase_deadline,
            expires_at=rec.voucher.expires_at,
        )
    return ApplicationOut(
        id=rec.application.id,
        status=rec.application.status,
        wave=rec.wave_number,
        region_code=rec.application.region_code,
        registered_at=rec.application.registered_at,
        status_changed_at=rec.application.status_changed_at,
        person=PersonOut(
            person_id=person.id,
            full_name=person.full_name,
            birth_date=person.birth_date,
            sex=person.sex,
            region_code=person.region_code,
            national_id=state.disclose(principal, rec.personal.national_id) or "",
            household_number=state.disclose(principal, rec.personal.household_number),
            phone=state.disclose(principal, rec.personal.phone),
        ),
        findings=[FindingOut(rule=f.rule, passed=f.passed, reason=f.reason) for f in rec.findings],
        voucher=voucher,
        purchases=[purchase(p) for p in rec.purchases],
        entitlements=[
            EntitlementOut(
                benefit=e.benefit,
                period=e.period,
                amount=e.amount,
                currency=e.currency,
                status=e.status,
                reason=e.reason,
                due_at=e.due_at,
            )
            for e in rec.entitlements
        ],
        payouts=[payout(p) for p in rec.payouts],
        payment_accounts=[account(state, principal, a, number) for a, number in rec.accounts],
    )


def summary(app: Application, wave_numbers: Mapping[uuid.UUID, int]) -> ApplicationSummary:
    """An application without personal data; its wave by number (``wave_numbers`` by wave id)."""
    return ApplicationSummary(
        id=app.id,
        status=app.status,
        wave=wave_numbers.get(app.wave_id) if app.wave_id else None,
        region_code=app.region_code,
        registered_at=app.registered_at,
        status_changed_at=app.status_changed_at,
    )


def purchase(p: Purchase) -> PurchaseOut:
    """A purchase."""
    return PurchaseOut.model_validate(p)


def payout(p: Payout) -> PayoutOut:
    """A payout."""
    return PayoutOut.model_validate(p)


def account(state: ApiState, principal: Principal, a: PaymentAccount, number: str) -> AccountOut:
    """A payment account, its number disclosed by role."""
    return AccountOut(
        id=a.id,
        rail=a.rail,
        account_number=state.disclose(principal, number) or "",
        holder_name=a.holder_name,
        status=a.status,
        status_reason=a.status_reason,
        chosen=a.chosen_at is not None,
    )


def course(entry: CatalogueCourse) -> CourseOut:
    """A course with its provider and platform."""
    c = entry.course
    return CourseOut(
        id=c.id,
        code=c.code,
        title=c.title,
        description=c.description,
        field_of_study=c.field_of_study,
        mode=c.mode,
        price=c.price,
        currency=c.currency,
        duration_days=c.duration_days,
        provider=PartyOut.model_validate(entry.provider),
        platform=PartyOut.model_validate(entry.platform),
    )


def own_course(entry: CatalogueCourse) -> OwnCourseOut:
    """One of the caller's courses, saying whether it is on sale."""
    return OwnCourseOut(**course(entry).model_dump(), on_sale=entry.course.active)


def enrolment(entry: Enrolment) -> EnrolmentOut:
    """A purchase of one of the caller's courses."""
    p, c = entry.purchase, entry.course
    return EnrolmentOut(
        id=p.id,
        course_id=c.id,
        course_code=c.code,
        course_title=c.title,
        status=p.status,
        price=p.price,
        currency=p.currency,
        purchased_at=p.purchased_at,
        redeemed_at=p.redeemed_at,
        completed_at=entry.completed_at,
    )


def organisation_summary(found: Summary) -> OrganisationSummaryOut:
    """An organisation's figures."""
    return OrganisationSummaryOut(
        courses_on_sale=found.courses_on_sale,
        courses_withdrawn=found.courses_withdrawn,
        enrolments=found.enrolments,
    )


def grievance(g: Grievance) -> GrievanceOut:
    """A complaint."""
    return GrievanceOut.model_validate(g)


def batch(state: ApiState, outcomes: Sequence[Outcome[Any]]) -> BatchOut:
    """Per-item results of a batch service."""
    results = []
    for index, outcome in enumerate(outcomes):
        if outcome.error is None:
            value = outcome.value
            results.append(ItemResult(index=index, ok=True, id=str(getattr(value, "id", value))))
        else:
            error = outcome.error
            results.append(
                ItemResult(
                    index=index,
                    ok=False,
                    problem=ItemProblem(
                        type=f"{state.settings.problem_type_base}{error.code}",
                        code=error.code,
                        detail=error.message,
                    ),
                )
            )
    accepted = sum(1 for r in results if r.ok)
    return BatchOut(accepted=accepted, refused=len(results) - accepted, results=results)
