"""Eligibility of the TVET programme beyond the core's age band and once-only rule.

Youth from poor households qualify through the IDPoor equity card (poverty
level 1 or 2), checked against the IDPoor registry in one request per batch;
youth without a card qualify through an assessed vulnerable category.
"""

from __future__ import annotations

from collections.abc import Sequence

from skillsprogram.plugin import N_, ApplicantFacts, AttributeChoice, AttributeSpec, Finding
from skillsprogram_cambodia.idpoor import SandboxIDPoorRegistry
from skillsprogram_cambodia.settings import CambodiaSettings

CITIZEN = "cambodia.citizen"
POOR_OR_VULNERABLE = "cambodia.poor_or_vulnerable"
LEVEL_MATCHES = "cambodia.idpoor_level_matches"

NATIONALITY = AttributeSpec(
    "nationality",
    "string",
    {"en": N_("Nationality")},
    required=True,
    choices=(
        AttributeChoice("KH", {"en": N_("Cambodian")}),
        AttributeChoice("other", {"en": N_("Another nationality")}),
    ),
)


def attributes(settings: CambodiaSettings) -> list[AttributeSpec]:
    """What applicants declare for these rules and the draw: their nationality; the poverty
    level on their IDPoor equity card (IDPoor issues levels 1 and 2), if they hold one; or
    else one of the programme's vulnerable categories."""
    return [
        NATIONALITY,
        AttributeSpec(
            "idpoor_level",
            "integer",
            {"en": N_("Poverty level on the IDPoor equity card")},
            choices=tuple(
                AttributeChoice(level, {"en": N_("Level %(level)s") % {"level": level}}) for level in (1, 2)
            ),
        ),
        AttributeSpec(
            "vulnerable_category",
            "string",
            {"en": N_("Assessed vulnerable category (without an equity card)")},
            choices=tuple(
                AttributeChoice(code, {"en": label}) for code, label in settings.vulnerable_categories.items()
            ),
        ),
    ]


def _level(value: object) -> int | None:
    """A declared poverty level as a number (``None`` when absent or not a number)."""
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None


def judge(
    applicants: Sequence[ApplicantFacts], settings: CambodiaSettings, registry: SandboxIDPoorRegistry
) -> list[Finding]:
    """Findings (failures only) of every Cambodian rule for a batch of applicants."""
    cards = registry.lookup(a.household_number for a in applicants if a.household_number)
    levels = set(settings.eligible_poverty_levels)
    findings = []
    for person in applicants:
        app = person.application_id
        if person.attributes.get("nationality") != "KH":
            findings.append(Finding(app, CITIZEN, False, N_("not a Cambodian national")))
        card = cards.get(person.household_number) if person.household_number else None
        declared = _level(person.attributes.get("idpoor_level"))
        category = person.attributes.get("vulnerable_category")
        if card is not None and card.status == "active" and card.poverty_level in levels:
            if declared != card.poverty_level:
                findings.append(
                    Finding(
                        app,
                        LEVEL_MATCHES,
                        False,
                        N_("declared poverty level %(declared)s, the equity card says level %(level)s")
                        % {"declared": declared or "none", "level": card.poverty_level},
                    )
                )
        elif category in settings.vulnerable_categories:
            continue
        elif card is not None:
            reason = {
                "not_found": N_("the household number is not in the IDPoor registry"),
                "expired": N_("the household's equity card has expired"),
            }.get(
                card.status,
                N_("the equity card is level %(level)s, not %(eligible)s")
                % {"level": card.poverty_level, "eligible": sorted(levels)},
            )
            findings.append(Finding(app, POOR_OR_VULNERABLE, False, reason))
        else:
            findings.append(
                Finding(
                    app,
                    POOR_OR_VULNERABLE,
                    False,
                    N_("no IDPoor equity card and no assessed vulnerable category"),
                )
            )
    return findings
