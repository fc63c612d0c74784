"""Kartu Prakerja eligibility rules beyond the core's age band, once-only and household cap."""

from __future__ import annotations

from collections.abc import Sequence

from skillsprogram.plugin import ApplicantFacts, AttributeChoice, AttributeSpec, Finding
from skillsprogram_indonesia.settings import IndonesiaSettings

CITIZENSHIP = AttributeSpec(
    "citizenship",
    "string",
    {"id": "Kewarganegaraan", "en": "Citizenship"},
    required=True,
    choices=(
        AttributeChoice("ID", {"id": "Warga Negara Indonesia (WNI)", "en": "Indonesian citizen (WNI)"}),
        AttributeChoice("other", {"id": "Bukan WNI", "en": "Not an Indonesian citizen"}),
    ),
)
NEVER_TRAINED = AttributeSpec(
    "never_trained",
    "boolean",
    {"id": "Belum pernah mengikuti pelatihan", "en": "Never attended a training course"},
)
DISABILITY = AttributeSpec(
    "disability", "boolean", {"id": "Penyandang disabilitas", "en": "Has a disability"}
)


def attributes(settings: IndonesiaSettings) -> list[AttributeSpec]:
    """What applicants declare for these rules and the draw's weights: citizenship always;
    whether they receive other social assistance where that excludes them."""
    declared = [CITIZENSHIP, NEVER_TRAINED, DISABILITY]
    declared.append(
        AttributeSpec(
            "social_assistance",
            "boolean",
            {"id": "Menerima bantuan sosial tunai lain", "en": "Receives other cash social assistance"},
            required=settings.exclude_social_assistance,
        )
    )
    return declared


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
