"""Settings of the sandbox rails, from ``[plugin_settings.sandbox_rails]``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from skillsprogram.plugin import validate_plugin_settings


class RailSettings(BaseModel):
    """One simulated rail."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    kind: Literal["ewallet", "bank", "mobile_money"] = "ewallet"
    account_pattern: str = r"^\d{6,20}$"
    currencies: tuple[str, ...] = ()
    holds_float: bool = Field(
        default=True,
        description="False: the programme keeps no float at this rail, so reserve_funds answers "
        "'not funded' and only a sponsor-bank plugin can fund its envelopes",
    )


class SandboxRailsSettings(BaseModel):
    """How the simulated rails behave. Rates are probabilities, fixed per key by the seed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rails: tuple[RailSettings, ...] = Field(min_length=1)
    seed: int = 0
    latency_ms: int = Field(default=0, ge=0, le=60_000)
    timeout_rate: float = Field(default=0.02, ge=0, le=1)
    processed_before_timeout_rate: float = Field(default=0.5, ge=0, le=1)
    transient_failure_rate: float = Field(default=0.02, ge=0, le=1)
    closed_account_rate: float = Field(default=0.01, ge=0, le=1)
    invalid_account_rate: float = Field(default=0.02, ge=0, le=1)
    name_mismatch_rate: float = Field(default=0.01, ge=0, le=1)
    garbage_rate: float = Field(default=0.0, ge=0, le=1)
    duplicate_callback_rate: float = Field(default=0.0, ge=0, le=1)
    float_balance: int | None = Field(default=None, ge=0)
    state_path: Path | None = None


def parse_settings(raw: dict[str, object]) -> SandboxRailsSettings:
    """Validate the settings table; errors name the plugin and the field."""
    return validate_plugin_settings("sandbox_rails", raw, SandboxRailsSettings)
