"""Default national-id and household-number parsing: the configured pattern, nothing more."""

from __future__ import annotations

import re

from skillsprogram.config import ProgrammeConfig
from skillsprogram.domain.exchange import ParsedHouseholdNumber, ParsedNationalId
from skillsprogram.errors import InvalidHouseholdNumber, InvalidNationalId
from skillsprogram.hooks.specs import hookimpl

_SEPARATORS = re.compile(r"[\s.\-/]")


def normalise(raw: str) -> str:
    """Drop spaces, dots, dashes and slashes people type inside numbers."""
    return _SEPARATORS.sub("", raw)


@hookimpl(trylast=True)
def skillsprogram_parse_national_id(raw: str, programme: ProgrammeConfig) -> ParsedNationalId:
    """Accept a number matching ``identity.national_id_pattern``; it encodes nothing else."""
    value = normalise(raw)
    if not re.fullmatch(programme.identity.national_id_pattern, value):
        raise InvalidNationalId(
            f"the national id does not match the pattern {programme.identity.national_id_pattern}",
            field="national_id",
        )
    return ParsedNationalId(normalised=value)


@hookimpl(trylast=True)
def skillsprogram_parse_household_number(raw: str, programme: ProgrammeConfig) -> ParsedHouseholdNumber:
    """Accept any non-empty household number of letters and digits."""
    value = normalise(raw)
    if not value.isalnum():
        raise InvalidHouseholdNumber(
            "the household number must be letters and digits", field="household_number"
        )
    return ParsedHouseholdNumber(normalised=value)
