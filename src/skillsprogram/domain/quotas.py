"""Quota arithmetic and the walk of a draw: region levels, sharing a wave's places over
regions, and choosing the recipients down a ranked list within quotas and the household cap.

Everything here is pure: the draw (:func:`skillsprogram.services.waves.draw`) reads the
candidates and their ranking, asks :class:`QuotaWalk` who is selected, and writes the moves.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

#: How a wave's places are shared over regions (``[waves] quota_allocation``).
QuotaAllocation = Literal["demand", "population", "fixed"]


def region_at_level(code: str, level: int) -> str:
    """The ancestor of ``code`` at ``level`` ("32.04.05" at level 2 is "32.04")."""
    return ".".join(code.split(".")[:level])


def largest_remainder(places: int, weights: Mapping[str, int]) -> dict[str, int]:
    """Split ``places`` over the keys of ``weights`` in proportion to them (Hamilton's
    largest-remainder method, in exact integer arithmetic).

    Every key gets the whole part of its share, and the places left go one each to the
    largest remainders, ties broken by key so the result is reproducible. The places add
    up to ``places`` exactly unless every weight is zero (then every key gets none); a key
    of weight zero never gets a place.
    """
    if places < 0:
        raise ValueError("a quota cannot be negative")
    if any(weight < 0 for weight in weights.values()):
        raise ValueError("weights cannot be negative")
    pool = sum(weights.values())
    if pool == 0:
        return dict.fromkeys(weights, 0)
    whole = {key: places * weight // pool for key, weight in weights.items()}
    remainder = {key: places * weight % pool for key, weight in weights.items()}
    left = places - sum(whole.values())
    by_remainder = sorted((key for key in weights if weights[key] > 0), key=lambda k: (-remainder[k], k))
    for key in by_remainder[:left]:
        whole[key] += 1
    return whole


def allocate(total: int, demand: Mapping[str, int]) -> dict[str, int]:
    """Split ``total`` places over regions in proportion to ``demand`` (largest remainder).

    No region gets more places than it has candidates, and the places add up to
    ``min(total, sum(demand))``; ties are broken by region code so the result is
    reproducible.
    """
    if total < 0:
        raise ValueError("a quota cannot be negative")
    wanted = {region: count for region, count in demand.items() if count > 0}
    shares = largest_remainder(min(total, sum(wanted.values())), wanted)
    return {region: shares.get(region, 0) for region in demand}


def by_population(total: int, population: Mapping[str, int]) -> dict[str, int]:
    """Split ``total`` places over regions in proportion to their ``population``
    (largest remainder): the places add up to ``total``, whatever the demand; a region
    of no population gets none. Raises ``ValueError`` when no region has a population."""
    if total > 0 and sum(population.values()) == 0:
        raise ValueError("no region has a population to share the places by")
    return largest_remainder(total, population)


@dataclass(frozen=True, slots=True)
class Seat:
    """What the walk needs of one ranked candidate: its quota region and household."""

    quota_region: str
    household_id: uuid.UUID | None


@dataclass
class QuotaWalk:
    """Walk a ranked list, best first, selecting each candidate whose quota region has a
    place left and whose household (when ``household_cap`` is set) has fewer than the cap
    recipients, counting those it had before the draw (``recipients``).

    Feed it the ranking in order, in as many slices as convenient; each candidate is
    decided when it is seen, never revisited, so the ranked order is respected.
    """

    quotas: Mapping[str, int]
    household_cap: int | None = None
    recipients: Mapping[uuid.UUID, int] = field(default_factory=dict)
    left: dict[str, int] = field(init=False)
    in_household: Counter[uuid.UUID] = field(init=False)

    def __post_init__(self) -> None:
        if any(quota < 0 for quota in self.quotas.values()):
            raise ValueError("a quota cannot be negative")
        if self.household_cap is not None and self.household_cap < 0:
            raise ValueError("a household cap cannot be negative")
        self.left = dict(self.quotas)
        self.in_household = Counter(self.recipients)

    def admit(self, seat: Seat) -> bool:
        """Decide the next candidate of the ranking: ``True`` when selected."""
        household = seat.household_id
        household_full = (
            self.household_cap is not None
            and household is not None
            and self.in_household[household] >= self.household_cap
        )
        if self.left.get(seat.quota_region, 0) <= 0 or household_full:
            return False
        self.left[seat.quota_region] -= 1
        if household is not None:
            self.in_household[household] += 1
        return True

    def walk(self, seats: Iterable[Seat]) -> Iterator[bool]:
        """:meth:`admit` each of ``seats`` in order."""
        return (self.admit(seat) for seat in seats)

    def selected(self) -> dict[str, int]:
        """How many were selected in each quota region so far."""
        return {region: quota - self.left[region] for region, quota in self.quotas.items()}
