"""The Khmer national identity card number.

The card carries a 9-digit number (the length is ``national_id_digits`` in the
settings: check it against the General Department of Identification's current
format). The number encodes neither birth date nor sex, so only its shape is
checked here; the person behind it is confirmed against the IDPoor registry
and the identity step.
"""

from __future__ import annotations

from skillsprogram.plugin import InvalidNationalId, ParsedNationalId
from skillsprogram_cambodia.numerals import strip_separators, to_ascii_digits


def parse_national_id(raw: str, digits: int = 9) -> ParsedNationalId:
    """Normalise a Khmer ID card number (Khmer or ASCII digits, separators allowed)."""
    number = strip_separators(to_ascii_digits(raw.strip()))
    if not number.isascii() or not number.isdigit():
        raise InvalidNationalId("a Khmer identity card number has only digits")
    if len(number) != digits:
        raise InvalidNationalId(f"a Khmer identity card number has {digits} digits, not {len(number)}")
    if len(set(number)) == 1:
        raise InvalidNationalId("a Khmer identity card number is not one digit repeated")
    return ParsedNationalId(normalised=number)
