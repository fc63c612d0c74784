"""Registration: a person applies to a programme during an open wave.

Everything is validated before anything is written: the national id and
household number are parsed by the country plugin, what they encode must agree
with the declaration, and the same person cannot register twice for one
programme. Personal values are stored only as keyed hashes and ciphertexts.
Registration is batch-shaped (:func:`register_many`) so that a bulk import or
a demo of a million applicants costs a handful of statements per thousand.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Mapped
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.attributes import check_attributes, schema_of
from skillsprogram.domain.exchange import AttributeSpec, ParsedNationalId, RegistrationRequest
from skillsprogram.domain.lifecycle import ApplicationStatus, WaveStatus
from skillsprogram.domain.models import Application, Household, Person, Region, Wave
from skillsprogram.domain.types import new_id
from skillsprogram.errors import (
    DomainError,
    DuplicateRegistration,
    InvalidHouseholdNumber,
    InvalidNationalId,
    RegistrationClosed,
    ValidationFailed,
)
from skillsprogram.privacy import PersonalKind
from skillsprogram.services.audit import Change, record
from skillsprogram.services.outcomes import Outcome, single
from skillsprogram.storage.rows import ApplicationRow, HouseholdRow, PersonRow
from skillsprogram.storage.uow import UnitOfWork


@dataclass(slots=True)
class _Checked:
    request: RegistrationRequest
    national_id: ParsedNationalId
    national_id_hash: str
    household_number: str | None
    household_hash: str | None


def open_wave_at(uow: UnitOfWork, ctx: ProgrammeContext) -> Wave:
    """The wave whose registration window is open now, or :class:`RegistrationClosed`."""
    now = ctx.clock.now()
    wave = uow.session.execute(
        select(Wave).where(
            col(Wave.programme_id) == ctx.pid,
            col(Wave.status) == WaveStatus.OPEN.value,
            col(Wave.opens_at) <= now,
            col(Wave.closes_at) > now,
        )
    ).scalar_one_or_none()
    if wave is None:
        raise RegistrationClosed("registration is closed: no wave is open for registration now")
    return wave


def attribute_schema(ctx: ProgrammeContext) -> dict[str, AttributeSpec]:
    """The registration attributes the programme's plugins declare, by name."""
    return schema_of(ctx.hook.skillsprogram_registration_attributes(programme=ctx.config))


def check_request(
    ctx: ProgrammeContext, request: RegistrationRequest, schema: Mapping[str, AttributeSpec] | None = None
) -> _Checked:
    """Validate one request against the country's id formats and declared attributes
    (``schema``, read from the plugins when not given); raises a specific error."""
    today = ctx.clock.now().date()
    if not request.full_name.strip():
        raise ValidationFailed("the full name is empty", code="invalid-name", field="full_name")
    if request.birth_date > today:
        raise ValidationFailed(
            "the birth date is in the future", code="invalid-birth-date", field="birth_date"
        )
    if request.sex not in ("F", "M"):
        raise ValidationFailed("sex must be 'F' or 'M'", code="invalid-sex", field="sex")
    check_attributes(attribute_schema(ctx) if schema is None else schema, request.attributes)
    check_consent_and_contact(ctx, request)
    parsed = ctx.hook.skillsprogram_parse_national_id(
        raw=request.national_id, programme=ctx.config, clock=ctx.clock
    )
    if parsed is None:
        raise InvalidNationalId("no plugin could parse this national identity number")
    _check_agrees(parsed, request)
    household_number = household_hash = None
    if request.household_number is not None:
        household = ctx.hook.skillsprogram_parse_household_number(
            raw=request.household_number, programme=ctx.config
        )
        if household is None:
            raise InvalidHouseholdNumber("no plugin could parse this household number")
        if household.region_code and not _within(request.region_code, household.region_code):
            raise InvalidHouseholdNumber(
                f"the household number belongs to region {household.region_code}, "
                f"not to the declared region {request.region_code}",
                field="household_number",
            )
        household_number = household.normalised
        household_hash = ctx.vault.digest(PersonalKind.HOUSEHOLD_NUMBER, household_number)
    return _Checked(
        request=request,
        national_id=parsed,
        national_id_hash=ctx.vault.digest(PersonalKind.NATIONAL_ID, parsed.normalised),
        household_number=household_number,
        household_hash=household_hash,
    )


def check_consent_and_contact(ctx: ProgrammeContext, request: RegistrationRequest) -> None:
    """Refuse a consent version other than the configured one, a language the programme
    does not offer, and an e-mail address where sign-in codes do not go by e-mail."""
    config = ctx.config
    if request.consent_version is not None and request.consent_version != consent_version(ctx):
        raise ValidationFailed(
            "the consent agreed to is not the programme's current statement: show it again",
            code="consent-version-mismatch",
            field="consent_version",
        )
    if request.locale is not None and request.locale not in config.programme.locales:
        raise ValidationFailed(
            f"the programme does not offer the language {request.locale!r}",
            code="unknown-locale",
            field="locale",
        )
    if request.email is not None:
        if config.sign_in.contact != "email":
            raise ValidationFailed(
                "this programme does not ask for an e-mail address", code="email-not-collected", field="email"
            )
        if not EMAIL.fullmatch(normal_email(request.email)):
            raise ValidationFailed("this is not an e-mail address", code="invalid-email", field="email")


#: An e-mail address as far as registration checks one: something@domain.tld, no spaces.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def normal_email(value: str) -> str:
    """An e-mail address as it is hashed and compared (trimmed, lower case)."""
    return value.strip().lower()


def consent_version(ctx: ProgrammeContext) -> str | None:
    """The version of the programme's consent statement (``None`` when none is configured)."""
    return ctx.config.consent.version if ctx.config.consent is not None else None


def _within(region: str, prefix: str) -> bool:
    return region == prefix or region.startswith(prefix + ".")


def _check_agrees(parsed: ParsedNationalId, request: RegistrationRequest) -> None:
    if parsed.birth_date is not None and parsed.birth_date != request.birth_date:
        raise InvalidNationalId(
            "the birth date in the national id differs from the declared birth date",
            field="birth_date",
        )
    if parsed.sex is not None and parsed.sex != request.sex:
        raise InvalidNationalId("the sex in the national id differs from the declared sex", field="sex")
    if parsed.region_code is not None and not _within(request.region_code, parsed.region_code):
        raise InvalidNationalId(
            f"the national id was issued in region {parsed.region_code}, "
            f"not in the declared region {request.region_code}",
            field="region_code",
        )


def register(uow: UnitOfWork, ctx: ProgrammeContext, request: RegistrationRequest) -> uuid.UUID:
    """Register one person; returns the application id or raises the rule that refused it."""
    return single(register_many(uow, ctx, [request]))


def register_many(
    uow: UnitOfWork, ctx: ProgrammeContext, requests: Sequence[RegistrationRequest]
) -> list[Outcome[uuid.UUID]]:
    """Register a batch; each request gets an outcome, refused ones write nothing.

    Registrations racing this batch (the same person registering twice at once, family
    members with a new family card) are settled by the unique keys on persons,
    households and applications: a batch that loses is checked again against what the
    winner committed, so the same person gets ``duplicate-registration`` and a family
    member joins the household the winner created.
    """
    return uow.recheck_on_conflict(lambda: _register_batch(uow, ctx, requests))


def _register_batch(
    uow: UnitOfWork, ctx: ProgrammeContext, requests: Sequence[RegistrationRequest]
) -> list[Outcome[uuid.UUID]]:
    wave = open_wave_at(uow, ctx)
    now = ctx.clock.now()
    known_regions = _known_regions(uow, {r.region_code for r in requests})
    schema = attribute_schema(ctx)
    outcomes: list[Outcome[uuid.UUID] | None] = [None] * len(requests)
    checked: list[tuple[int, _Checked]] = []
    for index, request in enumerate(requests):
        try:
            if known_regions is not None and request.region_code not in known_regions:
                raise ValidationFailed(
                    f"unknown region {request.region_code!r}", code="unknown-region", field="region_code"
                )
            checked.append((index, check_request(ctx, request, schema)))
        except DomainError as error:
            outcomes[index] = Outcome(error=error)

    persons = _existing(
        uow, col(Person.national_id_hash), col(Person.id), [c.national_id_hash for _, c in checked]
    )
    registered = _registered_persons(uow, ctx, [pid for pid in persons.values()])
    households = _existing(
        uow,
        col(Household.number_hash),
        col(Household.id),
        [c.household_hash for _, c in checked if c.household_hash],
    )

    person_rows: list[PersonRow] = []
    household_rows: list[HouseholdRow] = []
    application_rows: list[ApplicationRow] = []
    changes: list[Change] = []
    for index, item in checked:
        person_id = persons.get(item.national_id_hash)
        if person_id is not None and person_id in registered:
            outcomes[index] = Outcome(
                error=DuplicateRegistration(
                    "this national id is already registered for the programme",
                    field="national_id",
                ),
            )
            continue
        request = item.request
        household_id = None
        if item.household_hash is not None and item.household_number is not None:
            household_id = households.get(item.household_hash)
            if household_id is None:
                household_id = new_id()
                households[item.household_hash] = household_id
                household_rows.append(
                    HouseholdRow(
                        id=household_id,
                        number_hash=item.household_hash,
                        number_enc=ctx.vault.encrypt(item.household_number),
                        region_code=request.region_code,
                    )
                )
        if person_id is None:
            person_id = new_id()
            persons[item.national_id_hash] = person_id
            person_rows.append(_person_row(ctx, item, person_id, household_id, now))
        registered.add(person_id)
        application_id = new_id()
        application_rows.append(
            ApplicationRow(
                id=application_id,
                programme_id=ctx.pid,
                person_id=person_id,
                wave_id=wave.id,
                status=ApplicationStatus.REGISTERED.value,
                region_code=request.region_code,
                occupation=request.occupation,
                in_education=request.in_education,
                attributes=dict(request.attributes),
                registered_at=now,
                status_changed_at=now,
                consent_version=request.consent_version or consent_version(ctx),
                consented_at=now,
            )
        )
        changes.append(
            Change(
                "application",
                application_id,
                "registered",
                None,
                ApplicationStatus.REGISTERED.value,
                {"person_id": str(person_id), "wave": wave.number},
            )
        )
        outcomes[index] = Outcome(application_id)

    if household_rows:
        uow.insert_rows(Household, household_rows)
    if person_rows:
        uow.insert_rows(Person, person_rows)
    if application_rows:
        uow.insert_rows(Application, application_rows)
    record(uow, ctx, changes)
    return [outcome for outcome in outcomes if outcome is not None]


def _person_row(
    ctx: ProgrammeContext,
    item: _Checked,
    person_id: uuid.UUID,
    household_id: uuid.UUID | None,
    now: datetime,
) -> PersonRow:
    request = item.request
    phone = request.phone.strip() if request.phone else None
    email = normal_email(request.email) if request.email else None
    return PersonRow(
        id=person_id,
        national_id_hash=item.national_id_hash,
        national_id_enc=ctx.vault.encrypt(item.national_id.normalised),
        full_name=request.full_name.strip(),
        birth_date=request.birth_date,
        sex=request.sex,
        phone_hash=ctx.vault.digest(PersonalKind.PHONE, phone) if phone else None,
        phone_enc=ctx.vault.encrypt(phone) if phone else None,
        email_hash=ctx.vault.digest(PersonalKind.EMAIL, email) if email else None,
        email_enc=ctx.vault.encrypt(email) if email else None,
        locale=request.locale,
        household_id=household_id,
        region_code=request.region_code,
        created_at=now,
    )


def _known_regions(uow: UnitOfWork, codes: set[str]) -> set[str] | None:
    """The declared codes that exist; ``None`` when no geography is loaded at all."""
    if uow.session.execute(select(col(Region.code)).limit(1)).first() is None:
        return None
    return set(uow.scalars_among(select(col(Region.code)), col(Region.code), codes))


def _existing(
    uow: UnitOfWork, digest: Mapped[str], row_id: Mapped[uuid.UUID], hashes: list[str]
) -> dict[str, uuid.UUID]:
    """The id of the row holding each of ``hashes`` in its ``digest`` column, where one does."""
    return {found: found_id for found, found_id in uow.rows_among(select(digest, row_id), digest, hashes)}


def _registered_persons(
    uow: UnitOfWork, ctx: ProgrammeContext, person_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    query = select(col(Application.person_id)).where(col(Application.programme_id) == ctx.pid)
    return set(uow.scalars_among(query, col(Application.person_id), person_ids))
