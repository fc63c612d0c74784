"""The plugin: a SANDBOX civil registry verifies identity claims."""

from __future__ import annotations

import json
from collections.abc import Sequence

from skillsprogram.plugin import IdentityClaim, IdentityVerdict, ProgrammeConfig, Titles, hookimpl
from skillsprogram_sandbox_registry.registry import SandboxRegistry, parse_settings

_REGISTRIES: dict[str, SandboxRegistry] = {}


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
