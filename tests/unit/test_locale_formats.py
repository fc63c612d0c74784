"""Amounts, numbers and dates in Indonesian, Khmer and English, as CLDR writes them (Babel)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol, parse_decimal
from hypothesis import given
from hypothesis import strategies as st

from skillsprogram.money import Money
from skillsprogram.web.rendering import Formats

LOCALES = ("id", "km", "en")
AMOUNTS = st.integers(min_value=-(10**15), max_value=10**15)
locales = st.sampled_from(LOCALES)


def number_in(text: str, locale: str) -> Decimal:
    """The number written in ``text`` (a currency's sign or code taken away), read back
    as ``locale`` writes numbers."""
    kept = {get_group_symbol(locale), get_decimal_symbol(locale), get_minus_sign_symbol(locale)}
    written = "".join(ch for ch in text if ch.isdigit() or ch in kept)
    return parse_decimal(written, locale=locale, strict=True)


@given(amount=AMOUNTS, locale=locales)
def test_rupiah_are_written_whole_with_no_decimals_and_read_back_the_same(amount: int, locale: str) -> None:
    text = Money(amount, "IDR").format(0, locale)
    assert get_decimal_symbol(locale) not in text.replace(get_group_symbol(locale), "")
    assert number_in(text, locale) == amount


@given(amount=AMOUNTS, locale=locales)
def test_riel_read_back_the_same_and_carry_the_riel_sign_in_khmer(amount: int, locale: str) -> None:
    text = Money(amount, "KHR").format(0, locale)
    assert number_in(text, locale) == amount
    assert ("៛" in text) == (locale == "km")
    assert "KHR" in text or locale == "km"


@given(amount=AMOUNTS, locale=locales)
def test_an_amount_counted_in_cents_reads_back_as_its_hundredth(amount: int, locale: str) -> None:
    assert number_in(Money(amount, "USD").format(2, locale), locale) == Decimal(amount).scaleb(-2)


@given(amount=AMOUNTS, locale=locales)
def test_a_page_writes_the_programmes_amounts_as_money_format_does(amount: int, locale: str) -> None:
    formats = Formats(locale, "IDR", 0, ZoneInfo("Asia/Jakarta"))
    assert formats.money(amount) == Money(amount, "IDR").format(0, locale)


@given(value=st.integers(min_value=-(10**12), max_value=10**12), locale=locales)
def test_numbers_are_written_with_latin_digits_and_read_back_the_same(value: int, locale: str) -> None:
    text = Formats(locale, "KHR", 0, UTC).number(value)
    assert all(not ch.isdigit() or ch in "0123456789" for ch in text)
    assert parse_decimal(text, locale=locale, strict=True) == value


def test_khmer_uses_latin_digits_because_cldr_makes_them_its_default() -> None:
    khmer = Locale.parse("km")
    assert khmer.default_numbering_system == "latn"
    assert dict(khmer.other_numbering_systems) == {"native": "khmr"}
    assert Formats("km", "KHR", 0, UTC).number(1_234_567) == "1,234,567"


def test_days_are_written_in_the_language_and_times_moved_into_the_programmes_zone() -> None:
    jakarta, phnom_penh = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Phnom_Penh")
    evening_in_utc = datetime(2025, 1, 5, 20, 0, tzinfo=UTC)  # already 6 January in both
    assert Formats("id", "IDR", 0, jakarta).day(evening_in_utc) == "6 Januari 2025"
    assert Formats("km", "KHR", 0, phnom_penh).day(evening_in_utc) == "6 មករា 2025"
    assert Formats("en", "IDR", 0, jakarta).day(date(2025, 1, 6)) == "January 6, 2025"
    assert Formats("id", "IDR", 0, jakarta).moment(evening_in_utc) == "6 Jan 2025 03.00.00"
    assert Formats("id", "IDR", 0, jakarta).day(None) == "" == Formats("id", "IDR", 0, jakarta).moment(None)


def test_a_locale_babel_does_not_know_is_written_as_english() -> None:
    formats = Formats("tlh", "IDR", 0, UTC)
    assert formats.number(1_234_567) == "1,234,567"
    assert formats.day(date(2025, 1, 6)) == "January 6, 2025"
    assert formats.money(3_500_000) == "IDR3,500,000"
