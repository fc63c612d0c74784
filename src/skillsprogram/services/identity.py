"""Identity verification: registered applicants are checked in batches by the verifier plugin."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import IdentityClaim, IdentityVerdict
from skillsprogram.domain.lifecycle import ApplicationStatus
from skillsprogram.domain.models import Application, Household, Person
from skillsprogram.errors import ConfigurationError
from skillsprogram.services.batches import Progress, for_each_chunk
from skillsprogram.services.transitions import Move, move_many
from skillsprogram.storage.uow import UnitOfWork


def verify_identities(ctx: ProgrammeContext, chunk: int = 1_000, progress: Progress | None = None) -> int:
    """Send every registered applicant's claimed identity to the verifier; returns how many
    were decided. Applicants the verifier leaves undecided stay registered for the next run."""
    query = (
        select(
            col(Application.id),
            col(Application.person_id),
            col(Person.national_id_enc),
            col(Person.full_name),
            col(Person.birth_date),
            col(Person.sex),
            col(Household.number_enc),
        )
        .join(Person, col(Person.id) == Application.person_id)
        .outerjoin(Household, col(Household.id) == Person.household_id)
        .where(
            col(Application.programme_id) == ctx.pid,
            col(Application.status) == ApplicationStatus.REGISTERED.value,
        )
    )

    def handle(uow: UnitOfWork, rows: Sequence[Row[*tuple[Any, ...]]]) -> int:
        claims = [
            IdentityClaim(
                application_id=row[0],
                national_id=ctx.vault.decrypt(row[2]),
                full_name=row[3],
                birth_date=row[4],
                sex=row[5],
                household_number=ctx.vault.decrypt(row[6]) if row[6] else None,
            )
            for row in rows
        ]
        verdicts: list[IdentityVerdict] | None = ctx.hook.skillsprogram_verify_identities(
            claims=claims, programme=ctx.config
        )
        if verdicts is None:
            raise ConfigurationError(
                "no identity verifier is enabled: enable a verifier plugin, or set "
                "identity.allow_unverified = true for training set-ups"
            )
        persons = {row[0]: row[1] for row in rows}
        decided = {v.application_id: v for v in verdicts if v.application_id in persons}
        accepted = [
            Move(app_id, ApplicationStatus.REGISTERED, persons[app_id], {"method": v.method})
            for app_id, v in decided.items()
            if v.verified
        ]
        refused = [
            Move(
                app_id,
                ApplicationStatus.REGISTERED,
                persons[app_id],
                {"method": v.method, "reason": v.reason or "not confirmed"},
            )
            for app_id, v in decided.items()
            if not v.verified
        ]
        move_many(uow, ctx, accepted, ApplicationStatus.IDENTITY_VERIFIED, "identity_verified")
        move_many(uow, ctx, refused, ApplicationStatus.IDENTITY_REJECTED, "identity_rejected")
        return len(decided)

    return for_each_chunk(
        ctx, query, Application.id, handle, chunk=chunk, progress=progress, lock_of=Application
    )
