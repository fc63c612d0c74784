"""Drive Testland applicants through the lifecycle with the real services."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import Application, Course
from skillsprogram.services import identity, registration, screening, vouchers, waves
from tests.support.testland import person


def register(ctx: ProgrammeContext, count: int, **overrides: object) -> list[uuid.UUID]:
    """Register ``count`` valid Testland people (index from 0), returning application ids."""
    with ctx.transaction() as uow:
        outcomes = registration.register_many(uow, ctx, [person(n, **overrides) for n in range(count)])
    return [o.unwrap() for o in outcomes]


def to_eligible(ctx: ProgrammeContext) -> None:
    """Close wave 1, verify and screen everyone registered."""
    ctx.clock.advance(timedelta(days=7))  # type: ignore[attr-defined]
    with ctx.transaction() as uow:
        waves.close_wave(uow, ctx, 1)
    identity.verify_identities(ctx)
    screening.screen(ctx)


def to_voucher(ctx: ProgrammeContext, count: int, quota: int | None = None) -> list[uuid.UUID]:
    """Register, screen, draw (everyone, or ``quota``) and issue vouchers; returns the holders."""
    register(ctx, count)
    return wave_to_vouchers(ctx, count, quota)


def wave_to_vouchers(ctx: ProgrammeContext, count: int, quota: int | None = None) -> list[uuid.UUID]:
    """Close wave 1 of ``count`` registered applicants, screen them, draw everyone (or
    ``quota``) and issue vouchers; returns the holders."""
    to_eligible(ctx)
    with ctx.transaction() as uow:
        waves.allocate_quotas(uow, ctx, 1, quota if quota is not None else count)
        waves.draw(uow, ctx, 1, seed="test-seed")
    vouchers.issue_vouchers(ctx)
    with ctx.uow() as uow:
        return list(
            uow.session.execute(
                select(Application.id).where(Application.status == "voucher_issued").order_by(Application.id)
            ).scalars()
        )


def course(ctx: ProgrammeContext, code: str) -> uuid.UUID:
    """A Testland course's id."""
    with ctx.uow() as uow:
        return uow.session.execute(select(Course.id).where(Course.code == code)).scalar_one()


def status_of(ctx: ProgrammeContext, application_id: uuid.UUID) -> str:
    """An application's current status."""
    with ctx.uow() as uow:
        return uow.session.execute(
            select(Application.status).where(Application.id == application_id)
        ).scalar_one()
