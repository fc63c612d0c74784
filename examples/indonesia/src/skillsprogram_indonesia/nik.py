"""NIK (Nomor Induk Kependudukan): Indonesia's 16-digit population identity number.

Digits 1-2 are the province, 3-4 the regency or city, 5-6 the district; 7-12 the
birth date as DDMMYY with 40 added to the day for women; 13-16 a serial from 0001.
"""

from __future__ import annotations

import re
from datetime import date

from skillsprogram.plugin import InvalidNationalId, ParsedNationalId, Sex
from skillsprogram_indonesia.regions import provinces

_SEPARATORS = re.compile(r"[\s.\-]")


def parse_nik(raw: str, today: date) -> ParsedNationalId:
    """Parse a NIK; ``today`` decides the century of a two-digit birth year.

    Raises :class:`InvalidNationalId` naming what is wrong.
    """
    nik = _SEPARATORS.sub("", raw)
    if not nik.isdigit() or len(nik) != 16:
        raise InvalidNationalId("a NIK is 16 digits", field="national_id")
    if nik[:2] not in provinces():
        raise InvalidNationalId(f"no province has code {nik[:2]}", field="national_id")
    if nik[2:4] == "00" or nik[4:6] == "00":
        raise InvalidNationalId("the NIK's regency and district codes cannot be 00", field="national_id")
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex: Sex = "F" if day > 40 else "M"
    if day > 40:
        day -= 40
    birth_year = 2000 + year if 2000 + year <= today.year else 1900 + year
    try:
        birth = date(birth_year, month, day)
    except ValueError:
        raise InvalidNationalId(
            f"the NIK's birth date {nik[6:12]} is not a real date", field="national_id"
        ) from None
    if birth > today:
        raise InvalidNationalId("the NIK's birth date is in the future", field="national_id")
    if nik[12:] == "0000":
        raise InvalidNationalId("the NIK's serial number cannot be 0000", field="national_id")
    return ParsedNationalId(normalised=nik, region_code=f"{nik[:2]}.{nik[2:4]}", birth_date=birth, sex=sex)


def make_nik(regency: str, district: int, birth: date, sex: Sex, serial: int) -> str:
    """The NIK of a person registered in ``regency`` ("32.04") and ``district`` (1-99)."""
    province, city = regency.split(".")
    day = birth.day + (40 if sex == "F" else 0)
    return f"{province}{city}{district:02d}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"
