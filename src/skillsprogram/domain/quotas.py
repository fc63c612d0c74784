"""Quota arithmetic: region levels and fair allocation of a wave's places."""

from __future__ import annotations

from collections.abc import Mapping


def region_at_level(code: str, level: int) -> str:
    """The ancestor of ``code`` at ``level`` ("32.04.05" at level 2 is "32.04")."""
    return ".".join(code.split(".")[:level])


def allocate(total: int, demand: Mapping[str, int]) -> dict[str, int]:
    """Split ``total`` places over regions in proportion to ``demand`` (largest remainder).

    No region gets more places than it has candidates, and the places add up to
    ``min(total, sum(demand))``; ties are broken by region code so the result is
    reproducible.
    """
    if total < 0:
        raise ValueError("a quota cannot be negative")
    wanted = {region: count for region, count in demand.items() if count > 0}
    pool = sum(wanted.values())
    if pool == 0:
        return dict.fromkeys(demand, 0)
    places = min(total, pool)
    shares = {region: places * count / pool for region, count in wanted.items()}
    result = {region: int(share) for region, share in shares.items()}
    left = places - sum(result.values())
    by_remainder = sorted(wanted, key=lambda r: (-(shares[r] - result[r]), r))
    for region in by_remainder[:left]:
        result[region] += 1
    return {region: result.get(region, 0) for region in demand}
