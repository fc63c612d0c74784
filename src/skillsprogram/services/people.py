"""The staff look-up of a person by national id (the call centre's), audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import Application, Person
from skillsprogram.errors import DomainError, NotFound
from skillsprogram.privacy import PersonalKind
from skillsprogram.services.audit import Change, record
from skillsprogram.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class PersonMatch:
    """A person found by a staff look-up, with their applications in this programme."""

    person: Person
    national_id: str
    applications: list[Application]


def look_up_person(uow: UnitOfWork, ctx: ProgrammeContext, national_id: str, reason: str) -> PersonMatch:
    """Find a person by national id (the call centre's look-up); the look-up and its reason
    are audited, whether or not anyone is found."""
    try:
        parsed = ctx.hook.skillsprogram_parse_national_id(
            raw=national_id, programme=ctx.config, clock=ctx.clock
        )
    except DomainError:
        parsed = None  # a malformed number belongs to nobody: the look-up finds no one
    normalised = parsed.normalised if parsed is not None else "".join(national_id.split())
    digest = ctx.vault.digest(PersonalKind.NATIONAL_ID, normalised)
    person = uow.session.execute(
        select(Person).where(col(Person.national_id_hash) == digest)
    ).scalar_one_or_none()
    record(
        uow,
        ctx,
        [
            Change(
                "person",
                person.id if person else f"lookup:{digest[:16]}",
                "person_looked_up",
                data={"found": person is not None, "reason": reason},
            )
        ],
    )
    if person is None:
        raise NotFound("no person with this national id", code="person-not-found")
    applications = list(
        uow.session.execute(
            select(Application).where(
                col(Application.person_id) == person.id, col(Application.programme_id) == ctx.pid
            )
        ).scalars()
    )
    return PersonMatch(person, normalised, applications)
