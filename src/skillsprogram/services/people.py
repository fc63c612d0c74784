"""People: the staff look-up of a person by national id (the call centre's), audited, and
the language a person chose."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import Application, Person
from skillsprogram.errors import ApplicationNotFound, DomainError, NotFound, ValidationFailed
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


def choose_locale(uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID, locale: str) -> None:
    """Keep ``locale`` (one of the programme's) as the language of the applicant of
    ``application_id``: their pages and the codes sent to them are in it."""
    if locale not in ctx.config.programme.locales:
        raise ValidationFailed(
            f"the programme does not offer {locale!r}", code="unknown-locale", field="locale"
        )
    application = uow.session.get(Application, application_id)
    if application is None or application.programme_id != ctx.pid:
        raise ApplicationNotFound(application_id)
    person = uow.session.get(Person, application.person_id)
    assert person is not None  # an application always has its person
    person.locale = locale
