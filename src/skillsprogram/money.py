"""Money: integer amounts in a currency's minor unit, tagged with an ISO 4217 code.

Floats never appear. A programme states the minor units it uses (rupiah and riel
are paid in whole units, so zero); arithmetic across currencies is
refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CODE = re.compile(r"^[A-Z]{3}$")

#: ISO 4217 minor units for currencies the reference programmes and their
#: neighbours use in practice. A programme may override it in configuration.
MINOR_UNITS_IN_PRACTICE: dict[str, int] = {
    "IDR": 0,
    "KHR": 0,
    "VND": 0,
    "PHP": 2,
    "THB": 2,
    "MAD": 2,
    "USD": 2,
    "EUR": 2,
}


def check_currency(code: str) -> str:
    """Return ``code`` if it has the shape of an ISO 4217 code, else raise ``ValueError``."""
    if not _CODE.match(code):
        raise ValueError(f"{code!r} is not an ISO 4217 currency code (three capital letters)")
    return code


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of one currency in its minor unit."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise TypeError("Money amounts are integers in the minor unit, never floats")
        check_currency(self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: int) -> Money:
        return Money(self.amount * factor, self.currency)

    def format(self, minor_units: int | None = None) -> str:
        """Format for people: ``IDR 3,500,000`` or ``USD 70.00``."""
        units = MINOR_UNITS_IN_PRACTICE.get(self.currency, 2) if minor_units is None else minor_units
        sign = "-" if self.amount < 0 else ""
        whole, frac = divmod(abs(self.amount), 10**units) if units else (abs(self.amount), 0)
        text = f"{whole:,}"
        if units:
            text += f".{frac:0{units}d}"
        return f"{self.currency} {sign}{text}"

    def __str__(self) -> str:
        return self.format()
