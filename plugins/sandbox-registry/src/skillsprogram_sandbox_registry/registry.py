"""A SANDBOX civil registry answering identity claims in batches, like a real one would."""

from __future__ import annotations

import csv
import hashlib
import time
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from skillsprogram.plugin import (
    IdentityClaim,
    IdentityVerdict,
    RegistrySubject,
    Titles,
    same_name,
    validate_plugin_settings,
)

METHOD = "sandbox-registry"


class RegistrySettings(BaseModel):
    """How the simulated registry behaves."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "Civil registry (SANDBOX)"
    seed: int = 0
    latency_ms: int = Field(default=0, ge=0, le=60_000)
    batch_limit: int = Field(default=1_000, ge=1)
    not_found_rate: float = Field(default=0.03, ge=0, le=1)
    mismatch_rate: float = Field(default=0.04, ge=0, le=1)
    unavailable_rate: float = Field(default=0.0, ge=0, le=1)
    known_records: Path | None = None
    enrolled_elsewhere_rate: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="Share of national ids the registry finds enrolled in another programme "
        "(0 = the enrolment check is off)",
    )
    other_programme: str = "another skills programme (SANDBOX)"


def parse_settings(raw: dict[str, object]) -> RegistrySettings:
    """Validate ``[plugin_settings.sandbox_registry]``; errors name the plugin and field."""
    return validate_plugin_settings("sandbox_registry", raw, RegistrySettings)


class SandboxRegistry:
    """The simulated registry (SANDBOX)."""

    def __init__(self, settings: RegistrySettings, titles: Titles | None = None) -> None:
        self.settings = settings
        self.titles = titles or Titles()  # the programme's [identity] name_titles
        self.requests = 0
        self._known: dict[str, tuple[str, date]] = {}
        if settings.known_records is not None:
            with settings.known_records.open(newline="", encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    self._known[row["national_id"]] = (
                        row["full_name"],
                        date.fromisoformat(row["birth_date"]),
                    )

    def _chance(self, *parts: object) -> float:
        digest = hashlib.sha256(":".join(map(str, (self.settings.seed, *parts))).encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def verify(self, claims: Sequence[IdentityClaim]) -> list[IdentityVerdict]:
        """Verdicts for the claims of every request the registry answered."""
        verdicts: list[IdentityVerdict] = []
        limit = self.settings.batch_limit
        for start in range(0, len(claims), limit):
            request = claims[start : start + limit]
            self.requests += 1
            if self.settings.latency_ms:
                time.sleep(self.settings.latency_ms / 1000)
            if (
                self._chance("unavailable", self.requests, request[0].national_id)
                < self.settings.unavailable_rate
            ):
                continue  # the registry did not answer: these claims are tried again later
            verdicts.extend(self._judge(claim) for claim in request)
        return verdicts

    def enrolled_elsewhere(self, subjects: Sequence[RegistrySubject]) -> dict[uuid.UUID, str]:
        """The applicants (by national id) the simulated registry finds enrolled in another
        programme, with the reason; one request per ``batch_limit`` subjects."""
        found: dict[uuid.UUID, str] = {}
        limit = self.settings.batch_limit
        for start in range(0, len(subjects), limit):
            self.requests += 1
            if self.settings.latency_ms:
                time.sleep(self.settings.latency_ms / 1000)
            for subject in subjects[start : start + limit]:
                if subject.national_id is None:
                    continue
                if self._chance("enrolled", subject.national_id) < self.settings.enrolled_elsewhere_rate:
                    found[subject.application_id] = (
                        f"already enrolled in {self.settings.other_programme} (SANDBOX registry)"
                    )
        return found

    def _judge(self, claim: IdentityClaim) -> IdentityVerdict:
        known = self._known.get(claim.national_id)
        if known is not None:
            name, birth = known
            same = same_name(name, claim.full_name, self.titles) and birth == claim.birth_date
            return IdentityVerdict(
                claim.application_id,
                same,
                None if same else "name or birth date differs from the registry",
                METHOD,
            )
        if self._chance("found", claim.national_id) < self.settings.not_found_rate:
            return IdentityVerdict(claim.application_id, False, "not found in the civil registry", METHOD)
        if self._chance("mismatch", claim.national_id) < self.settings.mismatch_rate:
            return IdentityVerdict(
                claim.application_id, False, "name or birth date differs from the registry", METHOD
            )
        return IdentityVerdict(claim.application_id, True, None, METHOD)
