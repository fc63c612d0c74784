"""The title of every report, by key (English msgids the pages translate): what
``GET /v1/reports`` lists without building a table."""

from __future__ import annotations

from skillsprogram.i18n import N_

TITLES: dict[str, str] = {
    "funnel-stages": N_("Programme funnel"),
    "funnel-rates": N_("Take-up, completion and payment"),
    "funnel-by-wave": N_("Funnel by wave"),
    "funnel-by-day": N_("Funnel by day"),
    "funnel-by-region": N_("Funnel by region"),
    "refusals-by-rule": N_("Ineligible by rule"),
    "refusals-by-region": N_("Refusals by region"),
    "inclusion": N_("Inclusion"),
    "money-flows": N_("Where the money went"),
    "money-by-wave": N_("Money by wave"),
    "payouts-by-rail": N_("Payouts by rail and state"),
    "money-per-beneficiary": N_("Money per beneficiary"),
    "journey": N_("Applied, studying, graduated, employed"),
    "employment": N_("Employment and business after training"),
    "course-ratings": N_("Ratings of courses"),
    "provider-ratings": N_("Ratings of providers"),
}
