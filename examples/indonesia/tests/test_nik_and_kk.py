"""NIK and family-card numbers parse as Kartu Prakerja's registration checks them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from skillsprogram_indonesia.configs import CONFIGS
from skillsprogram_indonesia.kk import make_kk, parse_kk
from skillsprogram_indonesia.nik import make_nik, parse_nik
from skillsprogram_indonesia.regions import regencies

from skillsprogram.clock import FixedClock
from skillsprogram.config import load_config
from skillsprogram.errors import InvalidHouseholdNumber, InvalidNationalId
from skillsprogram.hooks.manager import build_plugin_manager

TODAY = date(2023, 3, 1)


def test_male_nik_gives_region_birth_date_and_sex() -> None:
    parsed = parse_nik("3204011705900001", TODAY)
    assert (parsed.region_code, parsed.birth_date, parsed.sex) == ("32.04", date(1990, 5, 17), "M")


def test_female_nik_has_forty_added_to_the_day() -> None:
    parsed = parse_nik("3204015705900002", TODAY)
    assert (parsed.birth_date, parsed.sex) == (date(1990, 5, 17), "F")


def test_separators_are_ignored() -> None:
    assert parse_nik("3204 0117 0590 0001", TODAY).normalised == "3204011705900001"


@pytest.mark.parametrize(
    ("nik", "problem"),
    [
        ("320401170590001", "16 digits"),
        ("32040117059000011", "16 digits"),
        ("32040117O5900001", "16 digits"),
        ("9904011705900001", "province"),
        ("3204013102900001", "not a real date"),
        ("3204017202900001", "not a real date"),
        ("3204011705900000", "serial"),
        ("3204011705300001", None),
    ],
)
def test_malformed_niks_are_refused_naming_the_problem(nik: str, problem: str | None) -> None:
    if problem is None:  # born 1930: valid, checks the century rule the other way
        assert parse_nik(nik, TODAY).birth_date == date(1930, 5, 17)
        return
    with pytest.raises(InvalidNationalId, match=problem):
        parse_nik(nik, TODAY)


def test_a_two_digit_year_after_today_is_last_century() -> None:
    assert parse_nik("3204011705240001", TODAY).birth_date == date(1924, 5, 17)
    assert parse_nik("3204011705050001", TODAY).birth_date == date(2005, 5, 17)


regency_codes = st.sampled_from(sorted(regencies()))
births = st.dates(min_value=date(1930, 1, 1), max_value=TODAY)


@given(regency_codes, st.integers(1, 99), births, st.sampled_from(["F", "M"]), st.integers(1, 9999))
def test_any_nik_made_from_valid_parts_parses_back_to_them(
    regency: str, district: int, birth: date, sex: str, serial: int
) -> None:
    parsed = parse_nik(make_nik(regency, district, birth, sex, serial), TODAY)  # type: ignore[arg-type]
    assert (parsed.region_code, parsed.birth_date, parsed.sex) == (regency, birth, sex)


@given(st.text(alphabet="0123456789", min_size=16, max_size=16))
def test_any_sixteen_digits_parse_or_raise_invalid_national_id(digits: str) -> None:
    try:
        parsed = parse_nik(digits, TODAY)
    except InvalidNationalId:
        return
    assert parsed.normalised == digits


@given(st.text(max_size=30))
def test_any_text_parses_or_raises_invalid_national_id(text: str) -> None:
    try:
        parsed = parse_nik(text, TODAY)
    except InvalidNationalId:
        return
    assert len(parsed.normalised) == 16 and parsed.normalised.isdigit()


def test_family_card_gives_its_regency() -> None:
    number = make_kk("35.78", 12, date(2015, 8, 3), 42)
    assert parse_kk(number).region_code == "35.78"


@pytest.mark.parametrize("number", ["123", "9978120308150042", "3578123208150042", "3578120308150000"])
def test_malformed_family_cards_are_refused(number: str) -> None:
    with pytest.raises(InvalidHouseholdNumber):
        parse_kk(number)


def test_the_nik_rule_follows_the_programme_clock_not_the_machine_s_date() -> None:
    programme = load_config(CONFIGS["2023"])
    pm = build_plugin_manager(programme.plugins)

    def birth_on(clock: FixedClock, number: str) -> date | None:
        parsed = pm.hook.skillsprogram_parse_national_id(raw=number, programme=programme, clock=clock)
        return parsed.birth_date  # type: ignore[no-any-return]

    # Born 17 May "15": in a replay of 2010 that can only be 1915; on any later day it is 2015.
    assert birth_on(FixedClock(datetime(2010, 6, 1, tzinfo=UTC)), "3204011705150001") == date(1915, 5, 17)
    assert birth_on(FixedClock(datetime(2023, 3, 1, tzinfo=UTC)), "3204011705150001") == date(2015, 5, 17)
    # "1 January 24" at 20:00 UTC on 31 December 2023: already 2024 in Jakarta, so born that day
    # (on the UTC date it could only be 1924); an hour before midnight in Jakarta it is 1924.
    assert birth_on(FixedClock(datetime(2023, 12, 31, 20, 0, tzinfo=UTC)), "3204010101240001") == date(
        2024, 1, 1
    )
    assert birth_on(FixedClock(datetime(2023, 12, 31, 16, 0, tzinfo=UTC)), "3204010101240001") == date(
        1924, 1, 1
    )
