"""Default eligibility rules driven by the ``[eligibility]`` configuration."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from skillsprogram.config import ProgrammeConfig
from skillsprogram.domain.exchange import ApplicantFacts, AttributeSpec, Finding
from skillsprogram.hooks.specs import hookimpl
from skillsprogram.i18n import N_


@hookimpl
def skillsprogram_registration_attributes(programme: ProgrammeConfig) -> Iterable[AttributeSpec]:
    """None: the core's rules read the declared birth date and the household, not attributes."""
    return ()


@hookimpl
def skillsprogram_eligibility_rules(
    applicants: Sequence[ApplicantFacts], programme: ProgrammeConfig
) -> Iterable[Finding]:
    """Age band, once-only and the household cap; findings only for failures."""
    rules = programme.eligibility
    cap = rules.max_recipients_per_household
    findings = []
    for person in applicants:
        if rules.min_age is not None and person.age < rules.min_age:
            findings.append(
                Finding(
                    person.application_id,
                    "core.min_age",
                    False,
                    N_("aged %(age)s, below the minimum age of %(minimum)s")
                    % {"age": person.age, "minimum": rules.min_age},
                )
            )
        if rules.max_age is not None and person.age > rules.max_age:
            findings.append(
                Finding(
                    person.application_id,
                    "core.max_age",
                    False,
                    N_("aged %(age)s, above the maximum age of %(maximum)s")
                    % {"age": person.age, "maximum": rules.max_age},
                )
            )
        if rules.once_only and person.previous_recipient:
            findings.append(
                Finding(
                    person.application_id,
                    "core.once_only",
                    False,
                    N_("already received the programme before"),
                )
            )
        if cap is not None and person.household_recipients >= cap:
            findings.append(
                Finding(
                    person.application_id,
                    "core.household_cap",
                    False,
                    N_("the household already has %(count)s recipients (at most %(cap)s)")
                    % {"count": person.household_recipients, "cap": cap},
                )
            )
    return findings
