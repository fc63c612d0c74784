"""Cambodia's 25 capital and provinces, by their geocodes (the first two digits of village codes).

Quotas are set per province (``[waves] quota_level = 1``). ``POPULATION_SHARE``
is a rough share of the youth population per province, used only to spread
synthetic applicants.
"""

from __future__ import annotations

from skillsprogram.plugin import RegionSpec

PROVINCES: dict[str, str] = {
    "01": "Banteay Meanchey",
    "02": "Battambang",
    "03": "Kampong Cham",
    "04": "Kampong Chhnang",
    "05": "Kampong Speu",
    "06": "Kampong Thom",
    "07": "Kampot",
    "08": "Kandal",
    "09": "Koh Kong",
    "10": "Kratie",
    "11": "Mondulkiri",
    "12": "Phnom Penh",
    "13": "Preah Vihear",
    "14": "Prey Veng",
    "15": "Pursat",
    "16": "Ratanakiri",
    "17": "Siem Reap",
    "18": "Preah Sihanouk",
    "19": "Stung Treng",
    "20": "Svay Rieng",
    "21": "Takeo",
    "22": "Oddar Meanchey",
    "23": "Kep",
    "24": "Pailin",
    "25": "Tbong Khmum",
}

#: Rough share of applicants per province (percent).
POPULATION_SHARE: dict[str, float] = {
    "12": 14, "03": 6, "08": 7, "14": 7, "17": 7, "02": 7, "21": 6, "05": 6, "25": 5, "01": 5,
    "06": 5, "07": 4, "20": 4, "15": 3, "04": 3, "10": 2.5, "22": 1.8, "18": 2, "13": 1.7,
    "16": 1.5, "09": 1, "19": 1, "11": 0.6, "24": 0.5, "23": 0.3,
}  # fmt: skip

#: Provinces where poverty is most concentrated (tag ``remote``; no effect on selection here).
REMOTE = frozenset({"11", "13", "16", "19", "22"})


def all_regions() -> list[RegionSpec]:
    """The provinces as level-1 regions."""
    return [
        RegionSpec(code, name, 1, None, ("remote",) if code in REMOTE else ())
        for code, name in PROVINCES.items()
    ]
