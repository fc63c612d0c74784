"""The what-if model: a wave's rules run on synthetic people in memory, scaled up.

For every wave the country plugin makes ``sample`` synthetic people, as the demo does
(``skillsprogram_synthetic_applicants``, one seeded call for all the waves). Each is
screened by every enabled plugin's ``skillsprogram_eligibility_rules``, on the facts the
screening service would gather (age on the wave's opening day, region, occupation,
attributes, how many of the household were selected in earlier waves). A person
registering twice is refused as registration refuses a repeat. Places go to a random
share of the eligible, under the scenario's quota; each recipient then buys one
affordable course of the plugin's demo catalogue (take-up), completes it, rates it and
answers surveys at the scenario's and ``[demo]`` rates, and earns the benefit schedule.

Every count and amount of the sample is then scaled to the scenario's applicants: the
eligible in the sample's proportion, the selected under the quota, and the rest in the
proportions the sampled recipients show.

Not run, because they need the outside world: identity verification against a civil
registry (the sample's people all pass), registry rules that ask another registry
(``skillsprogram_registry_rules``), the plugin's ranking of the draw (the places go to a
uniform random share; ranking changes who, not how many) and payment failures on the
rails (every payout is paid).

Each person's behaviour is drawn from a generator seeded by the seed, the wave and the
person, so two scenarios differ only where their numbers do, and the same seed gives
the same figures.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from skillsprogram.budgeting.scenarios import INCENTIVE_TRIGGERS, Scenario, Settings, unique_names
from skillsprogram.clock import FixedClock
from skillsprogram.config import BenefitRule, BenefitTrigger, ProgrammeConfig
from skillsprogram.domain.exchange import (
    ApplicantFacts,
    CourseSpec,
    Finding,
    RegistrationRequest,
    SyntheticApplicant,
)
from skillsprogram.domain.people import age_on
from skillsprogram.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class WaveFigures:
    """One wave of one scenario; amounts in the minor unit."""

    wave: int
    applicants: int
    refused: int
    """Refused at registration (people registering a second time)."""
    eligible: int
    selected: int
    """Recipients: each got a voucher (people reached)."""
    bought: int
    completed: int
    paid: int
    """Recipients paid at least one benefit instalment."""
    vouchers_issued: int
    course_spend: int
    incentives: int
    unspent: int
    """Voucher balances never spent (forfeited or left over), returned to the budget."""
    cumulative_spend: int
    """Course spending and incentives of this wave and every earlier one."""

    @property
    def spend(self) -> int:
        """What this wave costs: courses bought and incentives paid."""
        return self.course_spend + self.incentives


@dataclass(frozen=True, slots=True)
class Outcome:
    """A scenario's waves, and when its budget is spent."""

    scenario: Scenario
    waves: tuple[WaveFigures, ...]
    budget_wave: int | None
    """The wave in which the cumulative spend reaches the budget; beyond the waves run, the
    wave it would at the last wave's pace; ``None`` without a budget or spending."""
    budget_reached: bool
    """True when ``budget_wave`` is among the waves run (else it is an extrapolation)."""

    def total(self, field: str) -> int:
        """The sum of a :class:`WaveFigures` field over the waves."""
        return sum(getattr(wave, field) for wave in self.waves)

    @property
    def spend(self) -> int:
        """Course spending and incentives over every wave."""
        return self.total("course_spend") + self.total("incentives")

    @property
    def cost_per_completer(self) -> int | None:
        """The spend per person who completed a course (``None`` when nobody did)."""
        completed = self.total("completed")
        return _scale(self.spend, 1, completed) if completed else None


@dataclass(frozen=True, slots=True)
class _Person:
    """A sampled recipient's doings; money in the minor unit."""

    bought: bool
    completed: bool
    course_spend: int
    incentives: int


def simulate(
    config: ProgrammeConfig, hook: Any, scenarios: Sequence[Scenario], settings: Settings
) -> list[Outcome]:
    """Run every scenario on the same synthetic people; ``hook`` is a plugin manager's
    ``hook`` for ``config``'s plugins."""
    unique_names(list(scenarios))
    people = _sample(config, hook, settings)
    prices = _prices(config, hook)
    return [_run(config, hook, scenario, settings, people, prices) for scenario in scenarios]


def _sample(config: ProgrammeConfig, hook: Any, settings: Settings) -> list[list[SyntheticApplicant]]:
    made = hook.skillsprogram_synthetic_applicants(
        programme=config, count=settings.sample * settings.waves, seed=settings.seed
    )
    if made is None:
        raise ConfigurationError("no plugin makes synthetic applicants for this programme")
    people = list(made)
    n = settings.sample
    return [people[w * n : (w + 1) * n] for w in range(settings.waves)]


def _prices(config: ProgrammeConfig, hook: Any) -> list[tuple[int, int]]:
    courses: list[CourseSpec] = hook.skillsprogram_demo_catalogue(programme=config) or []
    if not courses:
        raise ConfigurationError("no plugin provides a demo catalogue (the courses recipients buy)")
    return sorted((c.price, c.duration_days) for c in courses)


def schedule(config: ProgrammeConfig, scenario: Scenario) -> list[BenefitRule]:
    """The benefit schedule of ``scenario``: the configuration's, with the post-training
    incentive changed when the scenario sets one."""
    if scenario.incentive is None:
        return list(config.benefits)
    amount, instalments = scenario.incentive
    rules = list(config.benefits)
    for index, rule in enumerate(rules):
        if rule.trigger in INCENTIVE_TRIGGERS:
            rules[index] = rule.model_copy(update={"amount": amount, "instalments": instalments})
            return rules
    triggers = " or ".join(t.value for t in INCENTIVE_TRIGGERS)
    raise ConfigurationError(
        f"scenario {scenario.name!r} sets an incentive, but the configuration has no benefit "
        f"earned by {triggers} to change"
    )


def _run(
    config: ProgrammeConfig,
    hook: Any,
    scenario: Scenario,
    settings: Settings,
    sample: list[list[SyntheticApplicant]],
    prices: list[tuple[int, int]],
) -> Outcome:
    benefits = schedule(config, scenario)
    affordable = [(p, d) for p, d in prices if p <= scenario.voucher]
    start = datetime.fromisoformat(config.demo.start)
    registered: set[str] = set()
    households: Counter[str] = Counter()
    waves: list[WaveFigures] = []
    cumulative = 0
    for index, people in enumerate(sample):
        opens = start + timedelta(days=index * settings.wave_days)
        fresh = [p for p in people if p.registration.national_id not in registered]
        fresh = list({p.registration.national_id: p for p in fresh}.values())
        registered.update(p.registration.national_id for p in fresh)
        eligible = _eligible(config, hook, fresh, households, opens, index)
        applicants = scenario.applicants
        n = len(people)
        eligible_count = _scale(len(eligible), applicants, n)
        selected = min(scenario.quota, eligible_count)
        k = _scale(len(eligible), selected, eligible_count) if eligible_count else 0
        k = max(k, 1) if selected else 0
        chosen = random.Random(f"{settings.seed}:{index}:draw").sample(eligible, k)
        households.update(p.registration.household_number for p in chosen if p.registration.household_number)
        doings = [
            _behave(
                config,
                scenario,
                benefits,
                affordable,
                random.Random(f"{settings.seed}:{index}:{p.registration.national_id}"),
            )
            for p in chosen
        ]
        course_spend = _scale(sum(d.course_spend for d in doings), selected, k)
        incentives = _scale(sum(d.incentives for d in doings), selected, k)
        cumulative += course_spend + incentives
        issued = selected * scenario.voucher
        waves.append(
            WaveFigures(
                wave=index + 1,
                applicants=applicants,
                refused=_scale(n - len(fresh), applicants, n),
                eligible=eligible_count,
                selected=selected,
                bought=_scale(sum(d.bought for d in doings), selected, k),
                completed=_scale(sum(d.completed for d in doings), selected, k),
                paid=_scale(sum(d.incentives > 0 for d in doings), selected, k),
                vouchers_issued=issued,
                course_spend=course_spend,
                incentives=incentives,
                unspent=issued - course_spend,
                cumulative_spend=cumulative,
            )
        )
    budget_wave, reached = _budget_wave(waves, settings.budget)
    return Outcome(scenario, tuple(waves), budget_wave, reached)


def _eligible(
    config: ProgrammeConfig,
    hook: Any,
    people: list[SyntheticApplicant],
    households: Counter[str],
    opens: datetime,
    wave: int,
) -> list[SyntheticApplicant]:
    """The people every enabled plugin's eligibility rules pass, in the order given."""
    day = opens.astimezone(config.programme.zone).date() if opens.tzinfo else opens.date()
    facts = [_facts(p.registration, index, wave, day, households) for index, p in enumerate(people)]
    contributions: Iterable[Iterable[Finding]] = hook.skillsprogram_eligibility_rules(
        applicants=facts, programme=config, clock=FixedClock(opens)
    )
    failed = {f.application_id for contribution in contributions for f in contribution if not f.passed}
    return [p for p, fact in zip(people, facts, strict=True) if fact.application_id not in failed]


def _facts(
    registration: RegistrationRequest, index: int, wave: int, day: date, households: Counter[str]
) -> ApplicantFacts:
    ident = uuid.UUID(int=(wave << 64) | index)
    household = registration.household_number
    return ApplicantFacts(
        application_id=ident,
        person_id=ident,
        age=age_on(registration.birth_date, day),
        sex=registration.sex,
        region_code=registration.region_code,
        occupation=registration.occupation,
        in_education=registration.in_education,
        attributes=registration.attributes or {},
        household_recipients=households[household] if household else 0,
        previous_recipient=False,
        household_number=household,
    )


def _behave(
    config: ProgrammeConfig,
    scenario: Scenario,
    benefits: list[BenefitRule],
    affordable: list[tuple[int, int]],
    rng: random.Random,
) -> _Person:
    """What one recipient does and earns. Every draw is made whatever the rates, so a
    person's choices do not shift with another scenario's numbers."""
    rates = config.demo
    u_buy, u_complete, u_rate, u_course = rng.random(), rng.random(), rng.random(), rng.random()
    bought = bool(affordable) and u_buy < scenario.take_up
    price, days = affordable[int(u_course * len(affordable))] if affordable else (0, 0)
    completed = bought and u_complete < scenario.completion
    rated = completed and u_rate < rates.rating_rate
    months = max(1, round(days / 30))
    earned = 0
    for rule in benefits:
        draws = [rng.random() for _ in range(rule.instalments)]
        if rule.trigger is BenefitTrigger.FIRST_COURSE_COMPLETED:
            times = rule.instalments if completed else 0
        elif rule.trigger is BenefitTrigger.FIRST_COURSE_RATED:
            times = rule.instalments if rated else 0
        elif rule.trigger is BenefitTrigger.SURVEY_ANSWERED:
            times = sum(u < rates.survey_rate for u in draws) if rated else 0
        else:
            times = sum(u < rates.attendance_good_rate for u in draws[:months]) if bought else 0
        earned += times * rule.amount
    return _Person(bought, completed, price if bought else 0, earned)


def _budget_wave(waves: list[WaveFigures], budget: int | None) -> tuple[int | None, bool]:
    if budget is None:
        return None, False
    for wave in waves:
        if wave.cumulative_spend >= budget:
            return wave.wave, True
    pace = waves[-1].spend if waves else 0
    if pace <= 0:
        return None, False
    left = budget - waves[-1].cumulative_spend
    return waves[-1].wave + -(-left // pace), False


def _scale(amount: int, numerator: int, denominator: int) -> int:
    """``amount * numerator / denominator`` rounded half up, in integers (0 over nothing)."""
    if denominator == 0:
        return 0
    return (2 * amount * numerator + denominator) // (2 * denominator)
