"""Ready-made ways into the portal and the API after a demo, for a trainer to click through.

Sandbox only: the applicants are the demo's made-up people, and the provider's key and
the officer's client are created for the occasion (an officer revokes them like any other
client: ``skillsprogram clients revoke``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.access import ClientRole
from skillsprogram.domain.lifecycle import ApplicationStatus, PayoutStatus
from skillsprogram.domain.models import (
    Application,
    Course,
    Entitlement,
    Payout,
    Person,
    Purchase,
    TrainingProvider,
)
from skillsprogram.services import clients

S = ApplicationStatus


@dataclass(frozen=True, slots=True)
class DemoApplicant:
    """A made-up applicant of the demo, with what they sign in with."""

    application_id: uuid.UUID
    status: str
    national_id: str
    birth_date: date
    why: str
    """What the trainer will see (``paid`` recipient, ``voucher`` still to spend...)."""


@dataclass(frozen=True, slots=True)
class ReadySignIns:
    """Who a trainer can be, right after the demo."""

    applicants: list[DemoApplicant]
    provider_code: str | None
    provider_key: str | None
    officer_client_id: uuid.UUID
    officer_secret: str


def _person_of(ctx: ProgrammeContext, application: Application, why: str) -> DemoApplicant:
    with ctx.uow() as uow:
        person = uow.session.get(Person, application.person_id)
        assert person is not None
        return DemoApplicant(
            application.id,
            application.status,
            ctx.vault.decrypt(person.national_id_enc),
            person.birth_date,
            why,
        )


def _first(ctx: ProgrammeContext, query: Select[Application]) -> Application | None:
    with ctx.uow() as uow:
        found = uow.session.execute(query).scalars().first()
        if found is not None:
            uow.session.expunge(found)
        return found


def demo_applicants(ctx: ProgrammeContext) -> list[DemoApplicant]:
    """A recipient already paid, one with a voucher still to spend and one refused, where
    the demo made them."""
    mine = col(Application.programme_id) == ctx.pid
    paid = (
        select(Application)
        .join(Entitlement, col(Entitlement.application_id) == col(Application.id))
        .join(Payout, col(Payout.entitlement_id) == col(Entitlement.id))
        .where(mine, col(Payout.status) == PayoutStatus.PAID.value)
        .order_by(col(Application.id))
    )
    holding = select(Application).where(mine, col(Application.status) == S.VOUCHER_ISSUED.value)
    refused = select(Application).where(mine, col(Application.status) == S.INELIGIBLE.value)
    found = []
    for query, why in (
        (paid, "paid"),
        (holding.order_by(col(Application.id)), "voucher"),
        (refused, "refused"),
    ):
        application = _first(ctx, query)
        if application is not None:
            found.append(_person_of(ctx, application, why))
    return found


def _provider_of(ctx: ProgrammeContext, applicants: list[DemoApplicant]) -> str | None:
    """The provider of a course the demo's applicants bought (else the first provider)."""
    code = col(TrainingProvider.code)
    with ctx.uow() as uow:
        bought = uow.session.execute(
            select(code)
            .join(Course, col(Course.provider_id) == col(TrainingProvider.id))
            .join(Purchase, col(Purchase.course_id) == col(Course.id))
            .where(col(Purchase.application_id).in_([a.application_id for a in applicants]))
        ).scalar()
        first = bought or uow.session.execute(select(code).order_by(code)).scalar()
        return str(first) if first is not None else None


def ready_sign_ins(ctx: ProgrammeContext) -> ReadySignIns:
    """Create the demo's provider key and officer client, and choose its applicants."""
    applicants = demo_applicants(ctx)
    provider = _provider_of(ctx, applicants)
    with ctx.transaction() as uow:
        key = (
            clients.create_client(uow, ctx, ClientRole.PROVIDER.value, f"demo {provider}", provider).api_key
            if provider
            else None
        )
        officer = clients.create_client(uow, ctx, ClientRole.OFFICER.value, "demo officer")
    return ReadySignIns(applicants, provider, key, officer.client.id, officer.secret)
