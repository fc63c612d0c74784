"""The day age is taken on: the configured wave day or application day, in the programme's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from skillsprogram.config import EligibilityRules, ProgrammeInfo
from skillsprogram.domain.ages import AgeOn, age_day
from skillsprogram.domain.people import age_on

OPENS = datetime(2025, 1, 6, 0, 0, tzinfo=UTC)
CLOSES = OPENS + timedelta(days=7)
APPLIED = OPENS + timedelta(days=3, hours=12)
UTC_ZONE = ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("wave_opens", date(2025, 1, 6)),
        ("wave_closes", date(2025, 1, 12)),
        ("application_date", date(2025, 1, 9)),
    ],
)
def test_each_choice_takes_its_own_day(choice: AgeOn, expected: date) -> None:
    assert age_day(choice, UTC_ZONE, APPLIED, OPENS, CLOSES) == expected


def test_the_default_is_the_wave_opening_day() -> None:
    assert EligibilityRules().age_on == "wave_opens"


def test_an_eighteenth_birthday_on_the_opening_day_counts_as_eighteen() -> None:
    day = age_day("wave_opens", UTC_ZONE, APPLIED, OPENS, CLOSES)
    assert age_on(date(2007, 1, 6), day) == 18
    assert age_on(date(2007, 1, 7), day) == 17


def test_the_opening_instant_is_read_in_the_programme_time_zone_across_midnight() -> None:
    # 00:00 UTC on 6 January is 07:00 on the 6th in Jakarta and 16:00 on the 5th in Los Angeles.
    assert age_day("wave_opens", ZoneInfo("Asia/Jakarta"), APPLIED, OPENS, CLOSES) == date(2025, 1, 6)
    assert age_day("wave_opens", ZoneInfo("America/Los_Angeles"), APPLIED, OPENS, CLOSES) == date(2025, 1, 5)
    late = datetime(2025, 1, 5, 18, 30, tzinfo=UTC)  # 01:30 on the 6th in Jakarta
    assert age_day("application_date", ZoneInfo("Asia/Jakarta"), late, OPENS, CLOSES) == date(2025, 1, 6)
    assert age_day("application_date", UTC_ZONE, late, OPENS, CLOSES) == date(2025, 1, 5)


def test_a_wave_closing_at_midnight_closes_on_the_day_before() -> None:
    midnight = datetime(2025, 1, 13, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert age_day("wave_closes", ZoneInfo("Asia/Jakarta"), APPLIED, OPENS, midnight) == date(2025, 1, 12)


def test_an_application_outside_any_wave_is_taken_on_the_day_it_was_made() -> None:
    assert age_day("wave_opens", UTC_ZONE, APPLIED, None, None) == date(2025, 1, 9)
    assert age_day("wave_closes", UTC_ZONE, APPLIED, None, None) == date(2025, 1, 9)


def test_an_unknown_time_zone_is_refused_at_load() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Asia/Atlantis'"):
        ProgrammeInfo(code="x", name="X", country="TL", currency="USD", timezone="Asia/Atlantis")
