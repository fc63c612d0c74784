"""The Indonesia plugin's own settings (``[plugin_settings.indonesia]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from skillsprogram.plugin import N_, ProgrammeConfig, plugin_settings

#: Occupations excluded from Kartu Prakerja, with the label an officer reads.
#: The default labels, in English: the catalogues (locale/) translate them where they are shown.
EXCLUDED_OCCUPATIONS = {
    "civil_servant": N_("civil servant (PNS/ASN)"),
    "military": N_("member of the armed forces (TNI)"),
    "police": N_("member of the police (Polri)"),
    "village_head": N_("village head"),
    "village_official": N_("village official (perangkat desa)"),
    "parliament_member": N_("member of the DPR, DPD or DPRD"),
    "state_enterprise_director": N_("director or commissioner of a state enterprise (BUMN/BUMD)"),
}


class LotteryWeights(BaseModel):
    """How much more likely a priority applicant is to be drawn than others."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    never_trained: float = Field(default=1.5, gt=0)
    frontier_region: float = Field(default=2.0, gt=0)
    disability: float = Field(default=1.5, gt=0)


class IndonesiaSettings(BaseModel):
    """Rules of Kartu Prakerja that are not core configuration."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    excluded_occupations: dict[str, str] = Field(default_factory=lambda: dict(EXCLUDED_OCCUPATIONS))
    lottery_weights: LotteryWeights = LotteryWeights()
    exclude_social_assistance: bool = Field(
        default=False, description="Exclude people already on other cash social assistance"
    )


def settings_of(programme: ProgrammeConfig) -> IndonesiaSettings:
    """The validated settings; a mistyped key names the plugin and the field."""
    return plugin_settings(programme, "indonesia", IndonesiaSettings)
