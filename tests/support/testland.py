"""Testland: a small fictional country plugin the core's tests run on.

It is a real plugin on the real hooks (regions, demo catalogue, synthetic
applicants, an eligibility rule), so the tests exercise the plugin machinery
as a country would, without depending on either reference country.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta

from skillsprogram.config import ProgrammeConfig
from skillsprogram.domain.exchange import (
    ApplicantFacts,
    CourseSpec,
    Finding,
    Notification,
    RegionSpec,
    RegistrationRequest,
    SyntheticApplicant,
)
from skillsprogram.hooks.specs import hookimpl

#: What Testland's text-message channel would have sent, newest last (tests read and clear it).
OUTBOX: list[Notification] = []

REGIONS = [
    RegionSpec("10", "North", 1),
    RegionSpec("10.01", "North Harbour", 2, "10"),
    RegionSpec("10.02", "North Hills", 2, "10", ("remote",)),
    RegionSpec("20", "South", 1),
    RegionSpec("20.01", "South Plains", 2, "20"),
]


@hookimpl
def skillsprogram_regions(programme: ProgrammeConfig) -> Iterable[RegionSpec]:
    """Testland's five regions."""
    return REGIONS


@hookimpl
def skillsprogram_eligibility_rules(
    applicants: Sequence[ApplicantFacts], programme: ProgrammeConfig
) -> Iterable[Finding]:
    """Testland excludes soldiers, and reports a pass for everyone else."""
    return [
        Finding(
            a.application_id,
            "testland.not_soldier",
            a.occupation != "soldier",
            None if a.occupation != "soldier" else "soldiers are excluded",
        )
        for a in applicants
    ]


@hookimpl
def skillsprogram_demo_catalogue(programme: ProgrammeConfig) -> list[CourseSpec]:
    """Three courses, one too dear for the voucher."""
    return [
        CourseSpec(
            "T-WELD",
            "Welding",
            "manufacturing",
            "offline",
            400_000,
            30,
            "p1",
            "Harbour Institute",
            "tm",
            "Testmarket",
            description="Arc and gas welding for beginners, with a safety certificate.",
        ),
        CourseSpec(
            "T-CODE", "Coding", "it", "online", 600_000, 30, "p2", "Hills Academy", "tm", "Testmarket"
        ),
        CourseSpec(
            "T-GOLD",
            "Goldsmithing",
            "crafts",
            "hybrid",
            9_000_000,
            60,
            "p1",
            "Harbour Institute",
            "tm",
            "Testmarket",
        ),
    ]


def person(index: int, **overrides: object) -> RegistrationRequest:
    """A valid Testland registration, varied by ``index``."""
    values: dict[str, object] = {
        "national_id": f"{1000000 + index}",
        "full_name": f"Person {index}",
        "birth_date": date(1990, 1, 1) + timedelta(days=index % 9000),
        "sex": "F" if index % 2 else "M",
        "region_code": "10.01" if index % 3 else "20.01",
        "household_number": f"H{index}",
        "phone": f"+99{index:08d}",
        "occupation": "farmer",
        "attributes": {},
    }
    values.update(overrides)
    return RegistrationRequest(**values)  # type: ignore[arg-type]


@hookimpl
def skillsprogram_registration_example(programme: ProgrammeConfig) -> RegistrationRequest:
    """Testland's example registration for the OpenAPI document."""
    return person(7)


@hookimpl
def skillsprogram_synthetic_applicants(
    programme: ProgrammeConfig, count: int, seed: int
) -> Iterator[SyntheticApplicant]:
    """People with a few soldiers and minors among them, each with a sandbox wallet."""
    rng = random.Random(seed)
    for index in range(count):
        roll = rng.random()
        overrides: dict[str, object] = {}
        if roll < 0.05:
            overrides["occupation"] = "soldier"
        elif roll < 0.08:
            overrides["birth_date"] = date(2015, 5, 5)
        yield SyntheticApplicant(person(index, **overrides), "wallet", f"W{index:09d}")


@hookimpl
def skillsprogram_notify_batch(notifications: Sequence[Notification], programme: ProgrammeConfig) -> None:
    """Keep the messages that name an address (sign-in codes) in :data:`OUTBOX`."""
    OUTBOX.extend(n for n in notifications if n.to is not None)
