"""Synthetic applicants for demos: youth from poor and vulnerable households across the provinces.

Most hold an IDPoor equity card and declare the level printed on it; some
have no card but belong to a vulnerable category; and a few percent are made
to be refused (malformed ids, ages outside the band, foreign nationals, cards
the registry does not know or has expired, levels that disagree with the
registry, people registering twice), so the demo shows every rule at work.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from skillsprogram.plugin import RegistrationRequest, Sex, SyntheticApplicant
from skillsprogram_cambodia.idpoor import SandboxIDPoorRegistry, make_idpoor_number
from skillsprogram_cambodia.regions import POPULATION_SHARE
from skillsprogram_cambodia.settings import VULNERABLE_CATEGORIES, CambodiaSettings

FAMILY_NAMES = [
    "Chan", "Sok", "Kim", "Heng", "Seng", "Chea", "Keo", "Ly", "Meas", "Nget",
    "Oum", "Pich", "Phan", "Sam", "Touch", "Vann", "Yim", "Noun", "Hem", "Prak",
]  # fmt: skip
GIVEN_NAMES = {
    "M": [
        "Dara", "Sokha", "Vannak", "Piseth", "Rithy", "Sophal", "Visal", "Kosal", "Makara",
        "Samnang", "Veasna", "Sovann", "Rotha", "Bunthoeun", "Sambath",
    ],
    "F": [
        "Sreymom", "Sophea", "Channary", "Bopha", "Sreyneang", "Kanha", "Leakhena", "Malis",
        "Nary", "Phalla", "Rachana", "Sokunthea", "Sothea", "Thida", "Vanna",
    ],
}  # fmt: skip
OCCUPATIONS = [
    "unemployed",
    "farm_worker",
    "construction_worker",
    "garment_worker",
    "vendor",
    "student_leaver",
]
MOBILE_PREFIXES = ["010", "011", "012", "015", "016", "017", "069", "070", "077", "078", "085", "086", "092",
                   "093", "095", "096", "097", "098"]  # fmt: skip


class _People:
    def __init__(self, seed: int, today: date, settings: CambodiaSettings) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.settings = settings
        self.registry = SandboxIDPoorRegistry(settings.idpoor)
        self.provinces = list(POPULATION_SHARE)
        self.weights = [POPULATION_SHARE[p] for p in self.provinces]
        self.issued = 0
        self.id_step = 104_729  # a prime: ids below walk all of 10^8..10^9 without repeating
        self.id_start = self.rng.randrange(10**8)

    def national_id(self) -> str:
        self.issued += 1
        return str(10**8 + (self.id_start + self.issued * self.id_step) % (9 * 10**8))

    def birth(self, out_of_band: bool) -> date:
        band = self.rng.choice(((12, 14), (36, 45))) if out_of_band else (15, 35)
        age_days = self.rng.randint(band[0] * 365 + 5, band[1] * 365 + 300)
        return self.today - timedelta(days=age_days)

    def phone(self) -> str:
        prefix = self.rng.choice(MOBILE_PREFIXES)
        return prefix + "".join(self.rng.choices("0123456789", k=6 if prefix.startswith("01") else 7))

    def account(self, phone: str, name: str) -> tuple[str, str]:
        roll = self.rng.random()
        if roll < 0.55:
            return "wing", phone
        if roll < 0.7:
            return "truemoney", phone
        if roll < 0.85:
            return "acleda", "".join(self.rng.choices("0123456789", k=13))
        handle = name.lower().replace(" ", "_") + str(self.rng.randint(1, 999))
        return "bakong", f"{handle}@{self.rng.choice(('wing', 'aclb', 'abaa'))}"

    def household(self) -> tuple[str, str]:
        province = self.rng.choices(self.provinces, self.weights)[0]
        number = make_idpoor_number(
            province,
            self.rng.randint(1, 12),
            self.rng.randint(1, 15),
            self.rng.randint(1, 20),
            self.rng.randint(1, 9999),
        )
        return province, number

    def person(self, province: str, card: str | None, family: str) -> SyntheticApplicant:
        rng = self.rng
        sex: Sex = rng.choice(("F", "M"))
        roll = rng.random()
        national_id = self.national_id()
        if roll < 0.02:  # a malformed id: a digit short
            national_id = national_id[:-1]
        name = f"{family} {rng.choice(GIVEN_NAMES[sex])}"
        attributes: dict[str, object] = {"nationality": "other" if 0.02 <= roll < 0.025 else "KH"}
        if card is not None:
            truth = self.registry.card(card)
            level = truth.poverty_level or rng.choice((1, 2))  # people believe their card is valid
            if 0.025 <= roll < 0.04:  # declares level 1 on a level 2 card, or the reverse
                level = 3 - level
            attributes["idpoor_level"] = level
        elif rng.random() < 0.45:
            attributes["vulnerable_category"] = rng.choice(list(VULNERABLE_CATEGORIES))
        phone = self.phone()
        rail, number = self.account(phone, name)
        request = RegistrationRequest(
            national_id=national_id,
            full_name=name,
            birth_date=self.birth(out_of_band=0.04 <= roll < 0.07),
            sex=sex,
            region_code=province,
            household_number=card,
            phone=phone,
            occupation=rng.choice(OCCUPATIONS),
            attributes=attributes,
        )
        return SyntheticApplicant(request, rail, number)


def synthetic_applicants(
    count: int, seed: int, today: date, settings: CambodiaSettings
) -> Iterator[SyntheticApplicant]:
    """``count`` applicants, reproducibly from ``seed``; about 1% register twice."""
    people = _People(seed, today, settings)
    rng = people.rng
    made = 0
    earlier: list[SyntheticApplicant] = []
    while made < count:
        if earlier and rng.random() < 0.01:  # the same person registering again
            yield rng.choice(earlier)
            made += 1
            continue
        province, card = people.household()
        family = rng.choice(FAMILY_NAMES)
        has_card = rng.random() < 0.7
        siblings = rng.choice((2, 2, 3)) if has_card and rng.random() < 0.05 else 1
        for _ in range(min(siblings, count - made)):
            applicant = people.person(province, card if has_card else None, family)
            if len(earlier) < 5_000:
                earlier.append(applicant)
            yield applicant
            made += 1
