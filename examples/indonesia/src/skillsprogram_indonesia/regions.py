"""Indonesia's provinces and a set of its regencies and cities (Kemendagri codes, as in NIKs).

The packaged file lists all 38 provinces and the regencies and cities the demo
draws applicants from (every one of Java's); a deployment loads the full
Kemendagri list the same way.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files

from skillsprogram.plugin import RegionSpec


@cache
def all_regions() -> tuple[RegionSpec, ...]:
    """Every region in the packaged data file."""
    text = files("skillsprogram_indonesia").joinpath("data/regions.csv").read_text(encoding="utf-8")
    return tuple(
        RegionSpec(
            code=row["code"],
            name=row["name"],
            level=int(row["level"]),
            parent_code=row["parent"] or None,
            tags=tuple(tag for tag in row["tags"].split(";") if tag),
        )
        for row in csv.DictReader(text.splitlines())
    )


@cache
def provinces() -> frozenset[str]:
    """Two-digit province codes."""
    return frozenset(r.code for r in all_regions() if r.level == 1)


@cache
def regencies() -> dict[str, RegionSpec]:
    """Regencies and cities by code ("32.04")."""
    return {r.code: r for r in all_regions() if r.level == 2}


@cache
def frontier_regencies() -> frozenset[str]:
    """Regencies tagged 3T (frontier, outermost, underdeveloped)."""
    return frozenset(code for code, r in regencies().items() if "3T" in r.tags)
