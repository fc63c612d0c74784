"""The plugin: offers the configured SANDBOX rails to a programme."""

from __future__ import annotations

import json
from collections.abc import Iterable

from skillsprogram.plugin import PaymentRail, ProgrammeConfig, hookimpl
from skillsprogram_sandbox_rails.ledger import RailBooks
from skillsprogram_sandbox_rails.rail import SandboxRail
from skillsprogram_sandbox_rails.settings import parse_settings

#: Rails per settings, so every plugin manager of a process shares the same books.
_RAILS: dict[str, list[SandboxRail]] = {}


def rails_for(programme: ProgrammeConfig) -> list[SandboxRail]:
    """The sandbox rails configured for ``programme`` (created once per settings)."""
    raw = programme.settings_for("sandbox_rails")
    key = json.dumps([raw, programme.currency], sort_keys=True, default=str)
    if key not in _RAILS:
        settings = parse_settings(raw)
        books = RailBooks(settings.state_path)
        _RAILS[key] = [SandboxRail(rail, settings, books, (programme.currency,)) for rail in settings.rails]
    return _RAILS[key]


@hookimpl
def skillsprogram_check_settings(programme: ProgrammeConfig) -> None:
    """Validate ``[plugin_settings.sandbox_rails]`` when the configuration is loaded."""
    parse_settings(programme.settings_for("sandbox_rails"))


@hookimpl
def skillsprogram_payment_rails(programme: ProgrammeConfig) -> Iterable[PaymentRail]:
    """The SANDBOX rails of ``[plugin_settings.sandbox_rails]``."""
    return list(rails_for(programme))
