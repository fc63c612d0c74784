"""Synthetic Kartu Prakerja applicants for demos, shaped like wave 1 (April 2020).

Most applicants come from West, Central and East Java, Jakarta and Banten; most
have their own family card, a few share one with relatives who also apply; and
a few percent are made to be refused, so the demo shows every rule at work.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import accumulate

from skillsprogram.plugin import RegistrationRequest, Sex, SyntheticApplicant
from skillsprogram_indonesia.kk import make_kk
from skillsprogram_indonesia.nik import make_nik
from skillsprogram_indonesia.regions import regencies
from skillsprogram_indonesia.settings import EXCLUDED_OCCUPATIONS

#: Share of applicants per province (wave 1's ranking: Java first).
PROVINCE_SHARE = {
    "32": 22,
    "35": 16,
    "33": 14,
    "31": 9,
    "36": 7,
    "12": 5,
    "73": 3,
    "16": 2.5,
    "18": 2.5,
    "34": 2,
    "13": 1.5,
    "14": 1.5,
    "51": 1.5,
    "64": 1.2,
    "71": 1,
    "61": 1,
    "63": 1,
    "21": 1,
    "11": 1,
    "15": 0.8,
    "52": 0.8,
    "53": 0.8,
    "72": 0.6,
    "74": 0.6,
    "17": 0.5,
    "19": 0.5,
    "62": 0.5,
    "81": 0.4,
    "91": 0.4,
    "75": 0.3,
    "82": 0.3,
    "65": 0.2,
}
FIRST_NAMES = {
    "M": [
        "Budi",
        "Agus",
        "Andi",
        "Dedi",
        "Eko",
        "Fajar",
        "Hendra",
        "Irfan",
        "Joko",
        "Rizky",
        "Slamet",
        "Teguh",
        "Wahyu",
        "Yusuf",
        "Arif",
        "Bayu",
        "Dimas",
        "Gilang",
        "Hadi",
        "Rudi",
    ],
    "F": [
        "Siti",
        "Dewi",
        "Ani",
        "Putri",
        "Rina",
        "Sri",
        "Wulan",
        "Yuni",
        "Ayu",
        "Fitri",
        "Indah",
        "Lestari",
        "Maya",
        "Nur",
        "Ratna",
        "Sari",
        "Tuti",
        "Wati",
        "Rahma",
        "Dian",
    ],
}
FAMILY_NAMES = [
    "Santoso",
    "Wijaya",
    "Saputra",
    "Hidayat",
    "Kurniawan",
    "Setiawan",
    "Pratama",
    "Nugroho",
    "Lestari",
    "Rahmawati",
    "Siregar",
    "Nasution",
    "Harahap",
    "Simanjuntak",
    "Wibowo",
    "Susanto",
    "Hakim",
    "Gunawan",
    "Firmansyah",
    "Utami",
    "Purnomo",
    "Sembiring",
]
OCCUPATIONS = [
    "unemployed",
    "laid_off",
    "informal_worker",
    "farmer",
    "fisher",
    "micro_business",
    "factory_worker",
    "driver",
    "shop_assistant",
    "job_seeker",
]
EWALLETS = ["ovo", "gopay", "dana", "linkaja", "shopeepay"]
BANKS = {"bni": 10, "bri": 15}


class _People:
    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.serials: dict[str, int] = {}
        by_province: dict[str, list[str]] = {}
        for code in regencies():
            by_province.setdefault(code[:2], []).append(code)
        self.provinces = [p for p in PROVINCE_SHARE if p in by_province]
        self.cum_weights = list(accumulate(PROVINCE_SHARE[p] for p in self.provinces))
        self.by_province = by_province

    def regency(self) -> str:
        province = self.rng.choices(self.provinces, cum_weights=self.cum_weights)[0]
        return self.rng.choice(self.by_province[province])

    def birth(self, minor: bool) -> date:
        age_days = (
            self.rng.randint(15 * 365 + 5, 17 * 365)
            if minor
            else int((18 + 42 * self.rng.betavariate(1.6, 3.2)) * 365.25)
        )
        return self.today - timedelta(days=age_days)

    def nik(self, regency: str, district: int, birth: date, sex: Sex) -> str:
        prefix = f"{regency}{district}{birth.isoformat()}{sex}"
        self.serials[prefix] = self.serials.get(prefix, 0) + 1
        return make_nik(regency, district, birth, sex, self.serials[prefix])

    def account(self) -> tuple[str, str]:
        if self.rng.random() < 0.8:
            return self.rng.choice(EWALLETS), "08" + self.digits(10)
        bank = self.rng.choice(list(BANKS))
        return bank, self.digits(BANKS[bank])

    def digits(self, count: int) -> str:
        """``count`` random decimal digits (leading zeros kept)."""
        return f"{self.rng.randrange(10**count):0{count}d}"

    def person(self, regency: str, district: int, family: str, kk: str) -> SyntheticApplicant:
        rng = self.rng
        sex: Sex = rng.choice(("F", "M"))
        roll = rng.random()
        birth = self.birth(minor=0.02 <= roll < 0.04)
        nik = self.nik(regency, district, birth, sex)
        if roll < 0.02:  # a malformed NIK: a digit short, or a day that does not exist
            nik = nik[:-1] if rng.random() < 0.5 else nik[:6] + "32" + nik[8:]
        declared_birth, declared_sex = birth, sex
        if 0.04 <= roll < 0.05:  # declaration disagrees with the NIK
            if rng.random() < 0.5:
                declared_birth = birth - timedelta(days=365)
            else:
                declared_sex = "M" if sex == "F" else "F"
        occupation = rng.choice(OCCUPATIONS)
        if 0.05 <= roll < 0.08:
            occupation = rng.choice(list(EXCLUDED_OCCUPATIONS))
        rail, number = self.account()
        request = RegistrationRequest(
            national_id=nik,
            full_name=f"{rng.choice(FIRST_NAMES[sex])} {family}",
            birth_date=declared_birth,
            sex=declared_sex,
            region_code=regency,
            household_number=kk,
            phone="08" + self.digits(10),
            occupation=occupation,
            in_education=0.08 <= roll < 0.11,
            attributes={
                "citizenship": "other" if 0.11 <= roll < 0.115 else "ID",
                "never_trained": rng.random() < 0.86,
                "disability": rng.random() < 0.03,
                "social_assistance": rng.random() < 0.05,
            },
        )
        return SyntheticApplicant(request, rail, number)


def synthetic_applicants(count: int, seed: int, today: date) -> Iterator[SyntheticApplicant]:
    """``count`` applicants, reproducibly from ``seed``; about 1% register twice."""
    people = _People(seed, today)
    rng = people.rng
    made = 0
    earlier: list[SyntheticApplicant] = []
    while made < count:
        if earlier and rng.random() < 0.01:  # the same person registering again
            yield rng.choice(earlier)
            made += 1
            continue
        regency = people.regency()
        district = rng.randint(1, 30)
        issued = today - timedelta(days=rng.randint(30, 20 * 365))
        kk = make_kk(regency, district, issued, rng.randint(1, 9999))
        family = rng.choice(FAMILY_NAMES)
        size = rng.choice((2, 3, 3, 4)) if rng.random() < 0.03 else 1
        for _ in range(min(size, count - made)):
            applicant = people.person(regency, district, family, kk)
            if len(earlier) < 5_000:
                earlier.append(applicant)
            yield applicant
            made += 1
