"""IDPoor equity-card (household) numbers, and a SANDBOX IDPoor registry to check them against.

IDPoor is Cambodia's identification of poor households: a household found poor
receives an equity card naming its members and its poverty level (1, the
poorest, or 2). Here a household number is written ``PPDDCCVV-HHHH``: the
8-digit village geocode (province, district, commune, village, two digits
each) and a 4-digit household serial in the village. Check this layout against
the Ministry of Planning's card format before connecting a real registry; the
plugin only relies on the province prefix.

The SANDBOX registry answers like the real one would (one request per batch,
cards that are unknown, expired or active at level 1 or 2) from a hash of the
number, so a demo is reproducible. It holds no real household.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from skillsprogram.plugin import InvalidHouseholdNumber, ParsedHouseholdNumber
from skillsprogram_cambodia.numerals import strip_separators, to_ascii_digits
from skillsprogram_cambodia.regions import PROVINCES
from skillsprogram_cambodia.settings import IDPoorRegistrySettings

CardStatus = Literal["active", "expired", "not_found"]


def parse_idpoor_number(raw: str) -> ParsedHouseholdNumber:
    """Normalise an IDPoor household number to ``PPDDCCVV-HHHH``; its region is the province."""
    digits = strip_separators(to_ascii_digits(raw.strip()))
    if not digits.isascii() or not digits.isdigit() or len(digits) != 12:
        raise InvalidHouseholdNumber(
            "an IDPoor household number is a village code (8 digits) and a household serial (4 digits)"
        )
    province = digits[:2]
    if province not in PROVINCES:
        raise InvalidHouseholdNumber(f"no province {province} in an IDPoor household number")
    if digits[2:4] == "00" or digits[4:6] == "00" or digits[6:8] == "00":
        raise InvalidHouseholdNumber("the district, commune and village codes start at 01")
    if digits[8:] == "0000":
        raise InvalidHouseholdNumber("household serials start at 0001")
    return ParsedHouseholdNumber(normalised=f"{digits[:8]}-{digits[8:]}", region_code=province)


def make_idpoor_number(province: str, district: int, commune: int, village: int, serial: int) -> str:
    """An IDPoor household number (for synthetic people)."""
    return f"{province}{district:02d}{commune:02d}{village:02d}-{serial:04d}"


@dataclass(frozen=True, slots=True)
class EquityCard:
    """What the registry says about a household number."""

    number: str
    status: CardStatus
    poverty_level: int | None = None


class SandboxIDPoorRegistry:
    """A simulated IDPoor registry (SANDBOX): answers batches of household numbers."""

    def __init__(self, settings: IDPoorRegistrySettings) -> None:
        self.settings = settings
        self.requests = 0

    def _chance(self, *parts: object) -> float:
        digest = hashlib.sha256(":".join(map(str, (self.settings.seed, *parts))).encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def card(self, number: str) -> EquityCard:
        """The registry's record of one household (no request counted: use :meth:`lookup`)."""
        if self._chance("found", number) < self.settings.not_found_rate:
            return EquityCard(number, "not_found")
        if self._chance("expired", number) < self.settings.expired_rate:
            return EquityCard(number, "expired")
        level = 1 if self._chance("level", number) < self.settings.level_1_share else 2
        return EquityCard(number, "active", level)

    def lookup(self, numbers: Iterable[str]) -> dict[str, EquityCard]:
        """The cards of ``numbers``, one request per ``batch_limit`` numbers."""
        wanted = sorted(set(numbers))
        self.requests += -(-len(wanted) // self.settings.batch_limit)
        return {number: self.card(number) for number in wanted}
