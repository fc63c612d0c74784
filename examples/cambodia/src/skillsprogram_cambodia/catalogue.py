"""A demo catalogue shaped like the TVET programme's: 38 skills in 10 priority fields,
four-month courses at public TVET institutes, registration through the ministry's portal.

Institutes are paid the tuition directly: each carries the bank account the
programme settles with (SANDBOX account numbers).
"""

from __future__ import annotations

import hashlib
import random

from skillsprogram.plugin import CourseSpec

#: The 10 priority fields and their 38 skills.
FIELDS: dict[str, list[str]] = {
    "construction": [
        "Masonry and bricklaying",
        "Carpentry and formwork",
        "Plumbing and sanitation",
        "Steel fixing and construction welding",
        "Tiling and finishing",
    ],
    "electricity_and_energy": [
        "Residential electrical installation",
        "Industrial electrical installation",
        "Solar photovoltaic installation",
        "Electrical maintenance",
    ],
    "electronics": ["Consumer electronics repair", "Mobile phone repair", "Industrial electronics"],
    "air_conditioning": [
        "Air-conditioning installation",
        "Refrigeration and air-conditioning repair",
        "Commercial refrigeration",
    ],
    "manufacturing": [
        "Garment production",
        "Industrial machine operation",
        "CNC machining basics",
        "Quality control in manufacturing",
    ],
    "mechanics": [
        "Motorcycle repair",
        "Automotive mechanics",
        "Agricultural machinery repair",
        "Heavy equipment mechanics",
        "Automotive electrical systems",
    ],
    "tourism": ["Food and beverage service", "Housekeeping", "Front office", "Cookery"],
    "services": ["Hairdressing and beauty", "Security services", "Caregiving", "Commercial driving"],
    "agriculture_and_agro_industry": ["Vegetable and crop production", "Animal husbandry", "Food processing"],
    "business_and_it": ["Computer office applications", "Small-business bookkeeping", "Digital marketing"],
}

#: Public TVET institutes and provincial training centres (demo providers).
INSTITUTES: list[tuple[str, str]] = [
    ("npic", "National Polytechnic Institute of Cambodia"),
    ("pkpi", "Preah Kossomak Polytechnic Institute"),
    ("ntti", "National Technical Training Institute"),
    ("iti", "Industrial Technical Institute"),
    ("rpits-btb", "Regional Polytechnic Institute Techo Sen Battambang"),
    ("rpits-srp", "Regional Polytechnic Institute Techo Sen Siem Reap"),
    ("ptc-kcm", "Kampong Cham Provincial Training Centre"),
    ("ptc-tko", "Takeo Provincial Training Centre"),
    ("ptc-pvg", "Prey Veng Provincial Training Centre"),
    ("ptc-kpt", "Kampot Provincial Training Centre"),
    ("ptc-svr", "Svay Rieng Provincial Training Centre"),
    ("ptc-shv", "Preah Sihanouk Provincial Training Centre"),
    ("ptc-pst", "Pursat Provincial Training Centre"),
    ("ptc-krt", "Kratie Provincial Training Centre"),
    ("nia", "National Institute of Agriculture Prek Leap"),
]

PLATFORM = ("tvet-portal", "MoLVT TVET registration portal")
COURSE_DAYS = 120  # about four months


def institute_account(code: str) -> str:
    """The institute's SANDBOX bank account number (13 digits, fixed per institute)."""
    digest = hashlib.sha256(f"institute-account:{code}".encode()).hexdigest()
    return str(int(digest, 16))[:13].rjust(13, "1")


def skills() -> list[tuple[str, str]]:
    """Every (field, skill) of the catalogue: 38 in 10 fields."""
    return [(field, skill) for field, names in FIELDS.items() for skill in names]


def demo_catalogue(seed: int = 2023) -> list[CourseSpec]:
    """Each skill at two or three institutes: four-month, in-person courses with their tuition."""
    rng = random.Random(seed)
    courses: list[CourseSpec] = []
    for field, skill in skills():
        for code, name in rng.sample(INSTITUTES, rng.choice((2, 3))):
            courses.append(
                CourseSpec(
                    code=f"TVET-{len(courses) + 1:04d}",
                    title=skill,
                    field_of_study=field,
                    mode="offline",
                    price=rng.randrange(800_000, 2_000_001, 100_000),
                    duration_days=COURSE_DAYS,
                    provider_code=f"kh-{code}",
                    provider_name=name,
                    platform_code=PLATFORM[0],
                    platform_name=PLATFORM[1],
                    provider_rail="acleda",
                    provider_account=institute_account(code),
                )
            )
    return courses
