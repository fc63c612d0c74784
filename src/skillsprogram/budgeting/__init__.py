"""The budget what-if: the programme's rules run in memory on a sample of synthetic
people for several waves, scaled up to a scenario's numbers, to compare scenarios
(voucher, incentives, places, take-up, completion) by cost and reach.

:mod:`.scenarios` reads scenarios, :mod:`.model` runs them, :mod:`.tables` shapes the
comparison as :class:`~skillsprogram.domain.figures.Table` s.
"""

from skillsprogram.budgeting.model import Outcome, WaveFigures, simulate
from skillsprogram.budgeting.scenarios import Scenario, Settings, baseline, parse_scenario, read_scenarios
from skillsprogram.budgeting.tables import comparison

__all__ = [
    "Outcome",
    "Scenario",
    "Settings",
    "WaveFigures",
    "baseline",
    "comparison",
    "parse_scenario",
    "read_scenarios",
    "simulate",
]
