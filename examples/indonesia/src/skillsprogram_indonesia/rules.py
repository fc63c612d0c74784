"""Kartu Prakerja eligibility rules beyond the core's age band, once-only and household cap."""

from __future__ import annotations

from collections.abc import Sequence

from skillsprogram.plugin import N_, ApplicantFacts, AttributeChoice, AttributeSpec, Finding
from skillsprogram_indonesia.settings import IndonesiaSettings

CITIZENSHIP = AttributeSpec(
    "citizenship",
    "string",
    {"en": N_("Citizenship")},
    required=True,
    choices=(
        AttributeChoice("ID", {"en": N_("Indonesian citizen (WNI)")}),
        AttributeChoice("other", {"en": N_("Not an Indonesian citizen")}),
    ),
)
NEVER_TRAINED = AttributeSpec(
    "never_trained",
    "boolean",
    {"en": N_("Never attended a training course")},
)
DISABILITY = AttributeSpec("disability", "boolean", {"en": N_("Has a disability")})


def attributes(settings: IndonesiaSettings) -> list[AttributeSpec]:
    """What applicants declare for these rules and the draw's weights: citizenship always;
    whether they receive other social assistance where that excludes them."""
    declared = [CITIZENSHIP, NEVER_TRAINED, DISABILITY]
    declared.append(
        AttributeSpec(
            "social_assistance",
            "boolean",
            {"en": N_("Receives other cash social assistance")},
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
                Finding(
                    person.application_id, "indonesia.citizen", False, N_("not an Indonesian citizen (WNI)")
                )
            )
        if person.in_education:
            findings.append(
                Finding(
                    person.application_id,
                    "indonesia.not_in_education",
                    False,
                    N_("still in formal education"),
                )
            )
        if person.occupation in excluded:
            findings.append(
                Finding(
                    person.application_id,
                    "indonesia.excluded_occupation",
                    False,
                    N_("excluded occupation: %(occupation)s") % {"occupation": excluded[person.occupation]},
                )
            )
        if settings.exclude_social_assistance and person.attributes.get("social_assistance"):
            findings.append(
                Finding(
                    person.application_id,
                    "indonesia.social_assistance",
                    False,
                    N_("already receives other cash social assistance"),
                )
            )
    return findings
