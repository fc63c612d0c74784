"""KK (Kartu Keluarga), the family card: 16 digits, starting with the regency's code.

Digits 1-4 are the province and regency, 5-6 the district, 7-12 the issue date
(DDMMYY), 13-16 a serial.
"""

from __future__ import annotations

import re
from datetime import date

from skillsprogram.plugin import InvalidHouseholdNumber, ParsedHouseholdNumber
from skillsprogram_indonesia.regions import provinces

_SEPARATORS = re.compile(r"[\s.\-]")


def parse_kk(raw: str) -> ParsedHouseholdNumber:
    """Parse a family-card number; raises :class:`InvalidHouseholdNumber` naming what is wrong."""
    kk = _SEPARATORS.sub("", raw)
    if not kk.isdigit() or len(kk) != 16:
        raise InvalidHouseholdNumber("a family-card (KK) number is 16 digits", field="household_number")
    if kk[:2] not in provinces() or kk[2:4] == "00":
        raise InvalidHouseholdNumber(f"no regency has code {kk[:2]}.{kk[2:4]}", field="household_number")
    try:
        date(2000 + int(kk[10:12]), int(kk[8:10]), int(kk[6:8]))
    except ValueError:
        raise InvalidHouseholdNumber(
            "the family card's issue date is not a real date", field="household_number"
        ) from None
    if kk[12:] == "0000":
        raise InvalidHouseholdNumber("the family card's serial cannot be 0000", field="household_number")
    return ParsedHouseholdNumber(normalised=kk, region_code=f"{kk[:2]}.{kk[2:4]}")


def make_kk(regency: str, district: int, issued: date, serial: int) -> str:
    """A family-card number issued in ``regency`` ("32.04")."""
    province, city = regency.split(".")
    return (
        f"{province}{city}{district:02d}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}{serial:04d}"
    )
