"""Khmer identity card numbers and IDPoor household numbers."""

from __future__ import annotations

import pytest
from skillsprogram_cambodia.idpoor import make_idpoor_number, parse_idpoor_number
from skillsprogram_cambodia.national_id import parse_national_id

from skillsprogram.errors import InvalidHouseholdNumber, InvalidNationalId


def test_a_khmer_id_number_is_normalised_from_khmer_or_ascii_digits_with_separators() -> None:
    assert parse_national_id(" 010 234 567 ").normalised == "010234567"
    assert parse_national_id("០១០២៣៤៥៦៧").normalised == "010234567"


@pytest.mark.parametrize(
    ("raw", "why"),
    [("01023456", "9 digits, not 8"), ("0102345678", "9 digits, not 10"), ("01023456A", "only digits"),
     ("111111111", "one digit repeated")],
)  # fmt: skip
def test_a_malformed_khmer_id_number_is_refused_saying_why(raw: str, why: str) -> None:
    with pytest.raises(InvalidNationalId, match=why):
        parse_national_id(raw)


def test_the_id_number_length_is_configurable() -> None:
    assert parse_national_id("0102345678", digits=10).normalised == "0102345678"


def test_an_idpoor_number_gives_its_province_as_the_region() -> None:
    parsed = parse_idpoor_number("17 02 03 04 - 0042")
    assert (parsed.normalised, parsed.region_code) == ("17020304-0042", "17")
    assert parse_idpoor_number(make_idpoor_number("12", 1, 2, 3, 9)).normalised == "12010203-0009"


@pytest.mark.parametrize(
    ("raw", "why"),
    [("1702030400", "village code"), ("99020304-0042", "no province 99"), ("17000304-0042", "start at 01"),
     ("17020304-0000", "serials start at 0001")],
)  # fmt: skip
def test_a_malformed_idpoor_number_is_refused_saying_why(raw: str, why: str) -> None:
    with pytest.raises(InvalidHouseholdNumber, match=why):
        parse_idpoor_number(raw)
