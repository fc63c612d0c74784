"""Kartu Prakerja eligibility rules beyond the core's age band, once-only and household cap."""

from __future__ import annotations

from collections.abc import Sequence

from skillsprogram.domain.exchange import ApplicantFacts, Finding
from skillsprogram_indonesia.settings import IndonesiaSettings


def judge(applicants: Sequence[ApplicantFacts], settings: IndonesiaSettings) -> list[Finding]:
    """Findings (failures only) of every Indonesian rule for a batch of applicants."""
    findings = []
    excluded = settings.excluded_occupations
    for person in applicants:
        if person.attributes.get("citizenship") != "ID":
            findings.append(
                Finding(person.application_id, "indonesia.citizen", False, "not an Indonesian citizen (WNI)")
            )
        if person.in_education:
            findings.append(
                Finding(
                    person.application_id, "indonesia.not_in_education", False, "still in formal education"
                )
            )
        if person.occupation in excluded:
            findings.append(
                Finding(
                    person.application_id,
                    "indonesia.excluded_occupation",
                    False,
                    f"excluded occupation: {excluded[person.occupation]}",
                )
            )
        if settings.exclude_social_assistance and person.attributes.get("social_assistance"):
            findings.append(
                Finding(
                    person.application_id,
                    "indonesia.social_assistance",
                    False,
                    "already receives other cash social assistance",
                )
            )
    return findings
