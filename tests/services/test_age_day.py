"""Screening measures age on the configured day, in the programme's time zone."""

from __future__ import annotations

from datetime import date

import pytest

from skillsprogram.config import ProgrammeConfig, load_config
from skillsprogram.context import ProgrammeContext
from tests.conftest import TESTLAND
from tests.services.helpers import register, status_of, to_eligible

# Testland's wave 1 opens at 00:00 UTC on Monday 6 January 2025 and closes seven days later;
# the minimum age is 18.
TURNS_18_ON_OPENING = date(2007, 1, 6)
TURNS_18_DURING_THE_WAVE = date(2007, 1, 8)


def configured(age_on: str, timezone: str = "UTC") -> ProgrammeConfig:
    base = load_config(TESTLAND)
    return base.model_copy(
        update={
            "eligibility": base.eligibility.model_copy(update={"age_on": age_on}),
            "programme": base.programme.model_copy(update={"timezone": timezone}),
        }
    )


@pytest.fixture
def config(request: pytest.FixtureRequest) -> ProgrammeConfig:
    age_on, timezone = request.param
    return configured(age_on, timezone)


def screened(ctx: ProgrammeContext, birth: date) -> str:
    (application,) = register(ctx, 1, birth_date=birth)
    to_eligible(ctx)
    return status_of(ctx, application)


@pytest.mark.parametrize("config", [("wave_opens", "UTC")], indirect=True)
def test_someone_turning_18_on_the_opening_day_is_eligible_by_default(ctx: ProgrammeContext) -> None:
    assert screened(ctx, TURNS_18_ON_OPENING) == "eligible"


@pytest.mark.parametrize("config", [("wave_opens", "UTC")], indirect=True)
def test_someone_turning_18_after_the_opening_day_is_too_young(ctx: ProgrammeContext) -> None:
    assert screened(ctx, TURNS_18_DURING_THE_WAVE) == "ineligible"


@pytest.mark.parametrize("config", [("wave_closes", "UTC")], indirect=True)
def test_with_the_closing_day_someone_turning_18_during_the_wave_is_eligible(ctx: ProgrammeContext) -> None:
    assert screened(ctx, TURNS_18_DURING_THE_WAVE) == "eligible"


@pytest.mark.parametrize("config", [("wave_opens", "America/Los_Angeles")], indirect=True)
def test_the_opening_day_is_the_programme_time_zone_s_day(ctx: ProgrammeContext) -> None:
    # 00:00 UTC on 6 January is still the 5th in Los Angeles: the 18th birthday is a day away.
    assert screened(ctx, TURNS_18_ON_OPENING) == "ineligible"
