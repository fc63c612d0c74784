"""The Cambodia plugin's own settings (``[plugin_settings.cambodia]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from skillsprogram.plugin import N_, ProgrammeConfig, plugin_settings

#: Vulnerable categories that qualify an applicant without an equity card, once assessed.
#: The default labels, in English: the catalogues (locale/) translate them where they are shown.
VULNERABLE_CATEGORIES = {
    "disability": N_("person with a disability"),
    "orphan": N_("orphan or youth without family care"),
    "returning_migrant": N_("returning migrant worker"),
    "indigenous": N_("member of an indigenous community"),
    "single_parent": N_("single parent"),
}


class IDPoorRegistrySettings(BaseModel):
    """How the SANDBOX IDPoor registry behaves (shares are probabilities fixed per household number)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "IDPoor household registry (SANDBOX)"
    seed: int = 0
    batch_limit: int = Field(default=1_000, ge=1)
    not_found_rate: float = Field(default=0.04, ge=0, le=1)
    expired_rate: float = Field(default=0.04, ge=0, le=1)
    level_1_share: float = Field(default=0.45, ge=0, le=1, description="Of active cards, poverty level 1")


class CambodiaSettings(BaseModel):
    """Rules of the TVET programme that are not core configuration."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    national_id_digits: int = Field(default=9, ge=6, le=12, description="Khmer identity card number length")
    eligible_poverty_levels: tuple[int, ...] = Field(default=(1, 2), min_length=1)
    vulnerable_categories: dict[str, str] = Field(default_factory=lambda: dict(VULNERABLE_CATEGORIES))
    priority: tuple[str, ...] = Field(
        default=("level_1", "level_2", "vulnerable"),
        min_length=1,
        description="Selection tiers, first served first: level_1, level_2, vulnerable",
    )
    idpoor: IDPoorRegistrySettings = IDPoorRegistrySettings()


def settings_of(programme: ProgrammeConfig) -> CambodiaSettings:
    """The validated settings; a mistyped key names the plugin and the field.

    Hooks called once per applicant ask for them; ``plugin_settings`` validates each
    distinct table once.
    """
    return plugin_settings(programme, "cambodia", CambodiaSettings)
