"""Kartu Prakerja's hook implementations: the module the ``indonesia`` entry point names."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path

from skillsprogram.plugin import (
    ApplicantFacts,
    AttributeSpec,
    Candidate,
    Clock,
    CourseSpec,
    Finding,
    ParsedHouseholdNumber,
    ParsedNationalId,
    ProgrammeConfig,
    RegionSpec,
    RegistrationRequest,
    SyntheticApplicant,
    WaveDraw,
    hookimpl,
    today_in,
)
from skillsprogram_indonesia import catalogue, kk, nik, population, regions, rules, selection
from skillsprogram_indonesia.settings import settings_of

#: The plugin's catalogues (``skillsprogram_message_catalogues``): the Indonesian and
#: English of its own texts (rule reasons, attribute labels).
CATALOGUES = Path(__file__).resolve().parent / "locale"


@hookimpl
def skillsprogram_check_settings(programme: ProgrammeConfig) -> None:
    """Validate ``[plugin_settings.indonesia]`` when the configuration is loaded."""
    settings_of(programme)


@hookimpl
def skillsprogram_parse_national_id(raw: str, programme: ProgrammeConfig, clock: Clock) -> ParsedNationalId:
    """Parse a NIK: structure, province, a real birth date (+40 for women), serial, as of the
    programme's day (its clock, in its time zone): that day decides the century of a two-digit
    birth year and refuses a birth date after it."""
    return nik.parse_nik(raw, today=today_in(clock, programme.programme.zone))


@hookimpl
def skillsprogram_parse_household_number(raw: str, programme: ProgrammeConfig) -> ParsedHouseholdNumber:
    """Parse a family-card (KK) number; its regency must be the applicant's."""
    return kk.parse_kk(raw)


@hookimpl
def skillsprogram_registration_attributes(programme: ProgrammeConfig) -> Iterable[AttributeSpec]:
    """Citizenship (required), the draw's priorities, and social assistance where it excludes."""
    return rules.attributes(settings_of(programme))


@hookimpl
def skillsprogram_eligibility_rules(
    applicants: Sequence[ApplicantFacts], programme: ProgrammeConfig
) -> Iterable[Finding]:
    """Citizenship, not in formal education, excluded occupations (and optionally social assistance)."""
    return rules.judge(applicants, settings_of(programme))


@hookimpl
def skillsprogram_rank_candidates(
    candidates: Sequence[Candidate], wave: WaveDraw, programme: ProgrammeConfig
) -> list[uuid.UUID]:
    """A lottery weighted towards the never-trained, 3T regions and people with disabilities."""
    return selection.rank(candidates, wave, settings_of(programme).lottery_weights)


@hookimpl
def skillsprogram_regions(programme: ProgrammeConfig) -> Iterable[RegionSpec]:
    """Indonesia's provinces and regencies (Kemendagri codes)."""
    return regions.all_regions()


@hookimpl
def skillsprogram_message_catalogues(programme: ProgrammeConfig) -> Iterable[Path]:
    """Indonesian and English for the plugin's texts."""
    return [CATALOGUES]


@hookimpl
def skillsprogram_demo_catalogue(programme: ProgrammeConfig) -> list[CourseSpec]:
    """A Prakerja-like catalogue for demos."""
    return catalogue.demo_catalogue()


@hookimpl
def skillsprogram_synthetic_applicants(
    programme: ProgrammeConfig, count: int, seed: int
) -> Iterator[SyntheticApplicant]:
    """Applicants shaped like wave 1, with a few made to be refused."""
    today = datetime.fromisoformat(programme.demo.start).date()
    return population.synthetic_applicants(count, seed, today)


@hookimpl
def skillsprogram_registration_example(programme: ProgrammeConfig) -> RegistrationRequest:
    """Siti Rahayu of Bandung regency: the OpenAPI document's example registration."""
    return RegistrationRequest(
        national_id="3204015705950001",
        full_name="Siti Rahayu",
        birth_date=date(1995, 5, 17),
        sex="F",
        region_code="32.04",
        phone="081234567890",
        occupation="unemployed",
        attributes={"citizenship": "ID", "never_trained": True, "social_assistance": False},
    )
