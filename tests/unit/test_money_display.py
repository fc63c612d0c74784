"""Amounts shown to people: Babel's precision and its way of writing each currency in each
locale; integer amounts only."""

from __future__ import annotations

from collections import Counter

import pytest
from rich.console import Console

from skillsprogram.cli.render import Amounts, funnel_table
from skillsprogram.config import ProgrammeInfo
from skillsprogram.money import Money, currency_precision, display_locale
from skillsprogram.services.reports import Funnel


def test_money_refuses_floats_and_bad_codes() -> None:
    with pytest.raises(TypeError):
        Money(1.5, "IDR")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Money(1, "rupiah")


def test_precision_is_babels() -> None:
    assert (currency_precision("IDR"), currency_precision("USD"), currency_precision("KHR")) == (0, 2, 2)


@pytest.mark.parametrize(
    ("locale", "idr", "usd", "khr"),
    [
        ("id", "Rp3.500.000", "US$70,00", "KHR280.000,00"),
        ("km", "3,500,000IDR", "70.00$", "280,000.00៛"),
        ("en", "IDR3,500,000", "$70.00", "KHR280,000.00"),
    ],
)
def test_idr_shows_no_decimals_and_khr_and_usd_show_babels(locale: str, idr: str, usd: str, khr: str) -> None:
    assert Money(3_500_000, "IDR").format(0, locale) == idr
    assert Money(7_000, "USD").format(2, locale) == usd
    assert Money(280_000, "KHR").format(0, locale) == khr  # riel counted whole, written as CLDR says


def test_units_finer_than_the_currency_are_shown_not_rounded_away() -> None:
    assert Money(12_345, "USD").format(4, "en") == "$1.2345"
    assert Money(-7_000, "USD").format(2, "en") == "-$70.00"


def test_a_locale_babel_does_not_know_falls_back_to_its_language_then_english() -> None:
    assert display_locale("pt-TL") == "pt_TL"
    assert display_locale("id_XX") == "id"
    assert display_locale("tlh") == "en"
    assert Money(3_500_000, "IDR").format(0, "tlh") == "IDR3,500,000"


def test_a_programme_without_minor_units_counts_in_babels_precision() -> None:
    info = ProgrammeInfo(code="p", name="P", country="ID", currency="IDR")
    assert info.currency_minor_units() == 0
    assert ProgrammeInfo(code="p", name="P", country="US", currency="USD").currency_minor_units() == 2


def test_the_funnel_shows_benefits_in_the_programmes_currency_whatever_the_payouts_were_in() -> None:
    """A payout row's currency must not leak into the rows after it."""
    funnel = Funnel(
        stages=[("registered", 1)],
        payouts=[("paid", "USD", 1, 100)],
        benefits=[("incentive", "earned", 1, 600_000)],
    )
    info = ProgrammeInfo(code="p", name="P", country="ID", currency="IDR", minor_units=0, locales=["id"])
    console = Console(width=200, record=True)
    for table in funnel_table(funnel, Counter(), Amounts.of(info)):
        console.print(table)
    text = console.export_text()
    assert "IDR\u00a0600.000" in text and "USD\u00a0100,00" in text
