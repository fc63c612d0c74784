"""The TVET programme's hook implementations: the module the ``cambodia`` entry point names."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path

from skillsprogram.plugin import (
    ApplicantFacts,
    AttributeSpec,
    Candidate,
    CourseSpec,
    Finding,
    Notification,
    ParsedHouseholdNumber,
    ParsedNationalId,
    ProgrammeConfig,
    RegionSpec,
    RegistrationRequest,
    SyntheticApplicant,
    WaveDraw,
    hookimpl,
)
from skillsprogram_cambodia import catalogue, idpoor, national_id, population, regions, rules, selection
from skillsprogram_cambodia.settings import settings_of
from skillsprogram_cambodia.texts import CATALOGUES, SandboxSmsOutbox

_REGISTRIES: dict[str, idpoor.SandboxIDPoorRegistry] = {}

#: The SANDBOX SMS channel's outbox (shared by every programme of the process).
OUTBOX = SandboxSmsOutbox()


def idpoor_registry(programme: ProgrammeConfig) -> idpoor.SandboxIDPoorRegistry:
    """The SANDBOX IDPoor registry configured for ``programme`` (one per settings)."""
    settings = settings_of(programme)
    key = json.dumps(settings.idpoor.model_dump(), sort_keys=True)
    if key not in _REGISTRIES:
        _REGISTRIES[key] = idpoor.SandboxIDPoorRegistry(settings.idpoor)
    return _REGISTRIES[key]


@hookimpl
def skillsprogram_check_settings(programme: ProgrammeConfig) -> None:
    """Validate ``[plugin_settings.cambodia]`` when the configuration is loaded."""
    settings_of(programme)


@hookimpl
def skillsprogram_parse_national_id(raw: str, programme: ProgrammeConfig) -> ParsedNationalId:
    """A Khmer identity card number: digits only (Khmer numerals accepted), of the configured length."""
    return national_id.parse_national_id(raw, settings_of(programme).national_id_digits)


@hookimpl
def skillsprogram_parse_household_number(raw: str, programme: ProgrammeConfig) -> ParsedHouseholdNumber:
    """An IDPoor household number: village geocode and household serial; its province is the region."""
    return idpoor.parse_idpoor_number(raw)


@hookimpl
def skillsprogram_registration_attributes(programme: ProgrammeConfig) -> Iterable[AttributeSpec]:
    """Nationality (required), the equity card's poverty level, or an assessed vulnerable category."""
    return rules.attributes(settings_of(programme))


@hookimpl
def skillsprogram_eligibility_rules(
    applicants: Sequence[ApplicantFacts], programme: ProgrammeConfig
) -> Iterable[Finding]:
    """Cambodian nationals from IDPoor level 1/2 households (checked with the registry) or vulnerable."""
    return rules.judge(applicants, settings_of(programme), idpoor_registry(programme))


@hookimpl
def skillsprogram_rank_candidates(
    candidates: Sequence[Candidate], wave: WaveDraw, programme: ProgrammeConfig
) -> list[uuid.UUID]:
    """The poorest first (level 1, level 2, then vulnerable), ties broken by the published seed."""
    return selection.rank(candidates, wave, settings_of(programme).priority)


@hookimpl
def skillsprogram_regions(programme: ProgrammeConfig) -> Iterable[RegionSpec]:
    """The capital and the 24 provinces."""
    return regions.all_regions()


@hookimpl
def skillsprogram_demo_catalogue(programme: ProgrammeConfig) -> list[CourseSpec]:
    """38 skills in 10 priority fields at public TVET institutes, four months each."""
    return catalogue.demo_catalogue()


@hookimpl
def skillsprogram_synthetic_applicants(
    programme: ProgrammeConfig, count: int, seed: int
) -> Iterator[SyntheticApplicant]:
    """Youth from poor and vulnerable households, with a few made to be refused."""
    today = datetime.fromisoformat(programme.demo.start).date()
    return population.synthetic_applicants(count, seed, today, settings_of(programme))


@hookimpl
def skillsprogram_message_catalogues(programme: ProgrammeConfig) -> Iterable[Path]:
    """Khmer and English for the plugin's texts, and its wording of the core's notifications."""
    return [CATALOGUES]


@hookimpl
def skillsprogram_notify_batch(notifications: Sequence[Notification], programme: ProgrammeConfig) -> None:
    """Write each message, in the language it was made in, to the SANDBOX SMS outbox, once per event."""
    OUTBOX.send_all(notifications)


@hookimpl
def skillsprogram_registration_example(programme: ProgrammeConfig) -> RegistrationRequest:
    """Sok Channary of Phnom Penh: the OpenAPI document's example registration."""
    return RegistrationRequest(
        national_id="010203040",
        full_name="Sok Channary",
        birth_date=date(2004, 3, 2),
        sex="F",
        region_code="12",
        phone="+85512345678",
        occupation="unemployed",
        attributes={"nationality": "KH", "vulnerable_category": "orphan"},
    )
