"""Money: integer amounts in a currency's minor unit, tagged with an ISO 4217 code.

Floats never appear. A programme states the minor units it counts in (rupiah and riel
are paid in whole units, so zero); when it does not, Babel's (CLDR's) precision of the
currency is used. Amounts are shown to people by Babel, in a locale's own way
(``Rp3.500.000`` in ``id``, ``$70.00`` in ``en``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision

_CODE = re.compile(r"^[A-Z]{3}$")

#: The locale amounts are shown in when none is given or a programme's is unknown to Babel.
DEFAULT_LOCALE = "en"


def check_currency(code: str) -> str:
    """Return ``code`` if it has the shape of an ISO 4217 code, else raise ``ValueError``."""
    if not _CODE.match(code):
        raise ValueError(f"{code!r} is not an ISO 4217 currency code (three capital letters)")
    return code


def currency_precision(code: str) -> int:
    """The decimals ``code`` is written with (CLDR, through Babel): 0 for IDR, 2 for USD;
    2 for a code CLDR does not know."""
    return get_currency_precision(code)


def parse_amount(text: str, digits: int) -> int | None:
    """An amount typed in the currency's major unit (``4000``, ``4000.50``; ``,``, ``_`` or
    spaces between thousands are ignored) in its minor unit counted with ``digits``
    decimals; ``None`` when ``text`` is not such an amount (a sign, letters, more decimals
    than ``digits``)."""
    cleaned = text.strip().replace(",", "").replace("_", "").replace(" ", "")
    whole, dot, fraction = cleaned.partition(".")
    if (
        not whole.isascii()
        or not whole.isdigit()
        or not ((fraction.isascii() and fraction.isdigit()) or not dot)
    ):
        return None
    if len(fraction) > digits or len(whole) > 16:
        return None
    return int(whole) * 10**digits + int(fraction.ljust(digits, "0") or "0")


def display_locale(locale: str | None) -> str:
    """``locale`` if Babel knows it, else its language (``pt_TL`` -> ``pt``), else
    :data:`DEFAULT_LOCALE`."""
    for candidate in (locale, (locale or "").replace("-", "_").split("_")[0]):
        if not candidate:
            continue
        try:
            Locale.parse(candidate.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            continue
        return candidate.replace("-", "_")
    return DEFAULT_LOCALE


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of one currency in its minor unit."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise TypeError("Money amounts are integers in the minor unit, never floats")
        check_currency(self.currency)

    def format(self, minor_units: int | None = None, locale: str | None = None, *, code: bool = False) -> str:
        """Format for people in ``locale`` (default English), as Babel writes the currency:
        ``IDR3,500,000`` (``Rp3.500.000`` in ``id``) or ``$70.00``.

        ``minor_units`` is what the amount is counted in (default: the currency's
        precision). The decimals shown are the currency's, unless the amount is counted in
        finer units, which are all shown rather than rounded away. With ``code``, the
        currency is written as its ISO code before the number (``IDR 3.500.000`` in ``id``),
        as reports to officers and auditors read across countries.
        """
        units = currency_precision(self.currency) if minor_units is None else minor_units
        value = Decimal(self.amount).scaleb(-units)
        return format_currency(
            value,
            self.currency,
            format="¤¤\u00a0#,##0.###" if code else None,
            locale=display_locale(locale),
            decimal_quantization=units <= currency_precision(self.currency),
        )

    def __str__(self) -> str:
        return self.format()
