"""The plugin: a SANDBOX civil registry verifies identity claims and, when switched on, checks
that nobody is already enrolled in another programme (a registry eligibility rule)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence

from skillsprogram.plugin import (
    Clock,
    IdentityClaim,
    IdentityVerdict,
    ProgrammeConfig,
    RegistryRule,
    RegistrySubject,
    Titles,
    hookimpl,
)
from skillsprogram_sandbox_registry.registry import SandboxRegistry, parse_settings

_REGISTRIES: dict[str, SandboxRegistry] = {}

#: The rule id of the enrolment check, stored with each finding.
ENROLLED_ELSEWHERE = "sandbox_registry.enrolled_elsewhere"


def registry_for(programme: ProgrammeConfig) -> SandboxRegistry:
    """The sandbox registry configured for ``programme`` (one per settings)."""
    raw = programme.settings_for("sandbox_registry")
    titles = tuple(programme.identity.name_titles)
    key = json.dumps([raw, titles], sort_keys=True, default=str)
    if key not in _REGISTRIES:
        _REGISTRIES[key] = SandboxRegistry(parse_settings(raw), Titles.of(titles))
    return _REGISTRIES[key]


@hookimpl
def skillsprogram_check_settings(programme: ProgrammeConfig) -> None:
    """Validate ``[plugin_settings.sandbox_registry]`` when the configuration is loaded."""
    parse_settings(programme.settings_for("sandbox_registry"))


@hookimpl
def skillsprogram_verify_identities(
    claims: Sequence[IdentityClaim], programme: ProgrammeConfig
) -> list[IdentityVerdict]:
    """Ask the SANDBOX registry about each claim, a request per ``batch_limit`` claims."""
    return registry_for(programme).verify(claims)


@hookimpl
def skillsprogram_registry_rules(programme: ProgrammeConfig) -> Iterable[RegistryRule]:
    """SANDBOX: "not already enrolled in another programme", asked by national id only;
    declared only when ``enrolled_elsewhere_rate`` switches the check on."""
    if registry_for(programme).settings.enrolled_elsewhere_rate == 0:
        return ()
    return (
        RegistryRule(
            ENROLLED_ELSEWHERE,
            ("national_id",),
            "SANDBOX: not enrolled in another programme, by the simulated registry",
        ),
    )


@hookimpl
def skillsprogram_check_registry(
    rule: str, subjects: Sequence[RegistrySubject], programme: ProgrammeConfig, clock: Clock
) -> Mapping[uuid.UUID, str] | None:
    """Ask the SANDBOX registry about the chunk's national ids, a request per ``batch_limit``."""
    if rule != ENROLLED_ELSEWHERE:
        return None
    return registry_for(programme).enrolled_elsewhere(subjects)
