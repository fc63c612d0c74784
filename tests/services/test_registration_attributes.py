"""Registration holds ``attributes`` to what the programme's plugins declare, on both databases."""

from __future__ import annotations

from dataclasses import replace

import pytest
from skillsprogram_indonesia.nik import make_nik
from sqlalchemy import Engine, func, select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import RegistrationRequest
from skillsprogram.domain.models import Application, Person
from skillsprogram.errors import ValidationFailed
from skillsprogram.privacy import PersonalDataVault
from skillsprogram.services import registration
from tests.conftest import START
from tests.support.demo_programmes import started

BIRTH = START.date().replace(year=1995)
INDONESIAN = RegistrationRequest(
    national_id=make_nik("32.04", 1, BIRTH, "F", 1),
    full_name="Siti Rahayu",
    birth_date=BIRTH,
    sex="F",
    region_code="32.04",
    occupation="unemployed",
    attributes={"citizenship": "ID"},
)
CAMBODIAN = RegistrationRequest(
    national_id="010203040",
    full_name="Sok Channary",
    birth_date=START.date().replace(year=2004),
    sex="F",
    region_code="12",
    attributes={"nationality": "KH", "idpoor_level": 1},
)


def stored(ctx: ProgrammeContext) -> tuple[int, int]:
    with ctx.uow() as uow:
        return (
            uow.session.execute(select(func.count()).select_from(Person)).scalar_one(),
            uow.session.execute(select(func.count()).select_from(Application)).scalar_one(),
        )


def refusal(ctx: ProgrammeContext, request: RegistrationRequest) -> ValidationFailed:
    with ctx.transaction() as uow, pytest.raises(ValidationFailed) as refused:
        registration.register(uow, ctx, request)
    return refused.value


@pytest.mark.parametrize(
    ("country", "request_", "field"),
    [("indonesia", INDONESIAN, "citizenship"), ("cambodia", CAMBODIAN, "nationality")],
)
def test_a_registration_without_the_required_citizenship_is_refused_naming_it_and_can_be_retried(
    engine: Engine, vault: PersonalDataVault, country: str, request_: RegistrationRequest, field: str
) -> None:
    ctx = started(country, engine, vault)
    without = {k: v for k, v in request_.attributes.items() if k != field}
    error = refusal(ctx, replace(request_, attributes=without))
    assert (error.code, error.details["field"]) == ("missing-attribute", f"attributes.{field}")
    assert stored(ctx) == (0, 0)
    with ctx.transaction() as uow:
        registration.register(uow, ctx, request_)
    assert stored(ctx) == (1, 1)


@pytest.mark.parametrize(
    ("attributes", "code", "field"),
    [
        ({"citizenship": "XX"}, "invalid-attribute", "attributes.citizenship"),
        ({"citizenship": True}, "invalid-attribute", "attributes.citizenship"),
        ({"citizenship": "ID", "disability": "yes"}, "invalid-attribute", "attributes.disability"),
        ({"citizenship": "ID", "disability": 1}, "invalid-attribute", "attributes.disability"),
        ({"citizenship": "ID", "citizenshp": "ID"}, "unknown-attribute", "attributes.citizenshp"),
    ],
)
def test_an_attribute_outside_the_declared_values_types_or_names_is_refused(
    engine: Engine, vault: PersonalDataVault, attributes: dict[str, object], code: str, field: str
) -> None:
    ctx = started("indonesia", engine, vault)
    error = refusal(ctx, replace(INDONESIAN, attributes=attributes))
    assert (error.code, error.details["field"]) == (code, field)
    assert stored(ctx) == (0, 0)


def test_an_integer_attribute_takes_only_its_declared_levels(
    engine: Engine, vault: PersonalDataVault
) -> None:
    ctx = started("cambodia", engine, vault)
    for level in (3, "1", True):
        error = refusal(ctx, replace(CAMBODIAN, attributes={"nationality": "KH", "idpoor_level": level}))
        assert (error.code, error.details["field"]) == ("invalid-attribute", "attributes.idpoor_level")
    with ctx.transaction() as uow:
        registration.register(uow, ctx, CAMBODIAN)


def test_a_batch_refuses_only_the_registrations_missing_an_attribute(
    engine: Engine, vault: PersonalDataVault
) -> None:
    ctx = started("indonesia", engine, vault)
    other = replace(INDONESIAN, national_id=make_nik("32.04", 1, BIRTH, "F", 2), attributes={})
    with ctx.transaction() as uow:
        first, second = registration.register_many(uow, ctx, [INDONESIAN, other])
    assert first.error is None
    assert second.error is not None and second.error.code == "missing-attribute"
    assert stored(ctx) == (1, 1)
