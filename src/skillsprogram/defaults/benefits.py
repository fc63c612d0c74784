"""Default benefit schedule: the ``[[benefits]]`` rules of the configuration."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from skillsprogram.config import BenefitRule, BenefitTrigger, ProgrammeConfig
from skillsprogram.domain.exchange import BenefitEvent, EntitlementSpec
from skillsprogram.hooks.specs import hookimpl


@hookimpl(trylast=True)
def skillsprogram_benefit_schedule(
    events: Sequence[BenefitEvent], programme: ProgrammeConfig
) -> list[list[EntitlementSpec]]:
    """What each event earns under the configured ``[[benefits]]`` (see :func:`earned`)."""
    return [earned(event, programme) for event in events]


def earned(event: BenefitEvent, programme: ProgrammeConfig) -> list[EntitlementSpec]:
    """Grant what each configured benefit triggered by ``event.kind`` earns.

    - ``first_course_completed`` / ``first_course_rated``: every instalment at
      once, spaced ``interval_days`` apart (monthly incentives).
    - ``survey_answered``: the next instalment, one per survey answered.
    - ``attendance_month``: the next instalment if the month's attendance
      (``details["attendance_percent"]``) reaches the threshold, else that
      instalment is withheld.
    """
    granted: list[EntitlementSpec] = []
    for rule in programme.benefits:
        if rule.trigger.value != event.kind:
            continue
        already = event.earned_before.get(rule.code, 0)
        if already >= rule.instalments:
            continue
        granted.extend(_instalments(rule, event, already))
    return granted


def _instalments(rule: BenefitRule, event: BenefitEvent, already: int) -> list[EntitlementSpec]:
    if rule.trigger in (BenefitTrigger.FIRST_COURSE_COMPLETED, BenefitTrigger.FIRST_COURSE_RATED):
        return [
            EntitlementSpec(
                benefit=rule.code,
                period=n,
                amount=rule.amount,
                due_at=event.occurred_at + timedelta(days=rule.interval_days * (n - 1)),
            )
            for n in range(already + 1, rule.instalments + 1)
        ]
    period = already + 1
    withheld = None
    if rule.trigger is BenefitTrigger.ATTENDANCE_MONTH:
        attended = int(event.details.get("attendance_percent", 0))
        threshold = rule.min_attendance_percent or 0
        if attended < threshold:
            withheld = f"attendance {attended}% in {event.period}, below {threshold}%"
    return [EntitlementSpec(rule.code, period, rule.amount, event.occurred_at, withheld)]
