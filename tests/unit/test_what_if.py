"""The budget what-if model: the programme's rules on synthetic people, scaled up."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skillsprogram.budgeting import (
    Scenario,
    Settings,
    baseline,
    comparison,
    parse_scenario,
    read_scenarios,
    simulate,
)
from skillsprogram.budgeting.model import Outcome
from skillsprogram.config import ProgrammeConfig, load_config
from skillsprogram.errors import ConfigurationError
from skillsprogram.hooks.manager import build_plugin_manager
from tests.conftest import TESTLAND

CONFIG = load_config(TESTLAND)
HOOK = build_plugin_manager(CONFIG.plugins).hook
SMALL = Settings(waves=3, seed=5, sample=200)


def run(
    *scenarios: Scenario, config: ProgrammeConfig = CONFIG, with_settings: Settings = SMALL
) -> list[Outcome]:
    hook = HOOK if config is CONFIG else build_plugin_manager(config.plugins).hook
    return simulate(config, hook, list(scenarios), with_settings)


def scenario(text: str, applicants: int = 50_000) -> Scenario:
    return parse_scenario(text, baseline(CONFIG, applicants), 0)


def test_doubling_the_voucher_doubles_what_vouchers_cost_and_reaches_the_same_people() -> None:
    single, double = run(scenario("single: voucher=1000000"), scenario("double: voucher=2000000"))
    assert single.total("vouchers_issued") > 0
    assert double.total("vouchers_issued") == 2 * single.total("vouchers_issued")
    assert double.total("selected") == single.total("selected")


def test_no_take_up_spends_nothing_on_courses_or_incentives_and_returns_every_voucher() -> None:
    (none,) = run(scenario("none: take_up=0"))
    assert none.total("selected") > 0
    assert none.total("bought") == none.total("course_spend") == none.total("incentives") == 0
    assert none.total("unspent") == none.total("vouchers_issued")
    assert none.cost_per_completer is None


def test_the_eligibility_rules_of_the_plugins_decide_who_is_eligible() -> None:
    (testland,) = run(scenario("testland:"))
    assert 0 < testland.total("eligible") < testland.total("applicants")  # soldiers and minors are out
    nobody = CONFIG.model_copy(update={"eligibility": CONFIG.eligibility.model_copy(update={"min_age": 120})})
    (closed,) = run(baseline(nobody, 50_000), config=nobody)
    assert closed.total("eligible") == closed.total("selected") == closed.spend == 0


def test_places_per_wave_cap_the_selected() -> None:
    (capped,) = run(scenario("capped: quota=1000"))
    assert [wave.selected for wave in capped.waves] == [1000] * SMALL.waves


def test_the_budget_is_spent_in_the_wave_the_cumulative_spend_reaches_it() -> None:
    (free,) = run(scenario("s:"))
    second = free.waves[1].cumulative_spend
    (exact,) = run(scenario("s:"), with_settings=Settings(waves=3, seed=5, sample=200, budget=second))
    (above,) = run(scenario("s:"), with_settings=Settings(waves=3, seed=5, sample=200, budget=second + 1))
    assert (exact.budget_wave, exact.budget_reached) == (2, True)
    assert (above.budget_wave, above.budget_reached) == (3, True)


def test_a_budget_beyond_the_waves_run_is_spent_at_the_last_waves_pace() -> None:
    (free,) = run(scenario("s:"))
    budget = free.waves[-1].cumulative_spend + 10 * free.waves[-1].spend
    (later,) = run(scenario("s:"), with_settings=Settings(waves=3, seed=5, sample=200, budget=budget))
    assert (later.budget_wave, later.budget_reached) == (SMALL.waves + 10, False)
    summary = comparison([later], SMALL, "USD")[0]
    assert summary.records()[0]["budget_basis"] == "projected"


def test_the_same_seed_gives_the_same_figures_and_another_seed_others() -> None:
    chosen = [scenario("a: take_up=0.7"), scenario("b: quota=20000 completion=0.5")]
    first = comparison(run(*chosen), SMALL, "USD")
    again = comparison(run(*chosen), SMALL, "USD")
    other = comparison(run(*chosen, with_settings=Settings(waves=3, seed=6, sample=200)), SMALL, "USD")
    assert [t.csv() for t in first] == [t.csv() for t in again]
    assert [t.rows for t in first] != [t.rows for t in other]


def test_a_scenario_incentive_replaces_the_post_training_incentive_of_the_schedule() -> None:
    configured, raised = run(scenario("configured:"), scenario("raised: incentive=1200000x2"))
    assert raised.total("completed") == configured.total("completed")
    assert raised.total("incentives") > configured.total("incentives")
    without = CONFIG.model_copy(update={"benefits": [b for b in CONFIG.benefits if b.code != "incentive"]})
    with pytest.raises(ConfigurationError, match="no benefit earned by"):
        run(parse_scenario("x: incentive=5", baseline(without), 0), config=without)


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("x: voucher=abc", "voucher='abc': not an amount above zero"),
        ("x: voucher=0", "not an amount above zero"),
        ("x: take_up=1.5", "not a share between 0 and 1"),
        ("x: completion=nan", "not a share between 0 and 1"),
        ("x: quota=-3", "not a whole number"),
        ("x: incentive=600000x0", "instalments must be between 1 and 120"),
        ("x: budget=3", "unknown ['budget']"),
        ("x: voucher", "'voucher' is not key=value"),
    ],
)
def test_a_bad_scenario_is_refused_naming_what_is_wrong(text: str, fault: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        scenario(text)
    assert fault in refused.value.message


def test_two_scenarios_of_one_name_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="given twice"):
        run(scenario("same: quota=1"), scenario("same: quota=2"))


def test_scenarios_are_read_from_a_toml_file_with_the_configuration_as_default(tmp_path: Path) -> None:
    path = tmp_path / "scenarios.toml"
    path.write_text('[[scenarios]]\nname = "base"\n\n[[scenarios]]\nname = "rich"\nvoucher = 2_000_000\n')
    base, rich = read_scenarios(path, baseline(CONFIG), 0)
    assert (base.name, base.voucher, rich.name, rich.voucher) == (
        "base",
        CONFIG.voucher.amount,
        "rich",
        2_000_000,
    )
    path.write_text('[[scenarios]]\nname = "bad"\ntake_up = 2\n')
    with pytest.raises(ConfigurationError, match=r"scenarios.toml: scenario 'bad': take_up"):
        read_scenarios(path, baseline(CONFIG), 0)


@settings(max_examples=25, deadline=None)
@given(
    voucher=st.integers(1, 5_000_000),
    quota=st.integers(0, 200_000),
    applicants=st.integers(0, 300_000),
    take_up=st.floats(0, 1),
    completion=st.floats(0, 1),
    seed=st.integers(0, 1_000),
)
def test_money_never_goes_negative_and_every_stage_is_within_the_one_before(
    voucher: int, quota: int, applicants: int, take_up: float, completion: float, seed: int
) -> None:
    chosen = Scenario("p", voucher, None, quota, applicants, take_up, completion)
    (outcome,) = run(chosen, with_settings=Settings(waves=2, seed=seed, sample=50))
    for wave in outcome.waves:
        assert 0 <= wave.paid <= wave.selected
        assert 0 <= wave.completed <= wave.bought <= wave.selected <= wave.eligible <= wave.applicants
        assert wave.selected <= quota
        assert min(wave.vouchers_issued, wave.course_spend, wave.incentives, wave.unspent) >= 0
        assert wave.course_spend + wave.unspent == wave.vouchers_issued
    assert outcome.spend >= 0


def test_a_scenario_of_more_applicants_keeps_the_configured_share_of_places_unless_it_fixes_them() -> None:
    base = baseline(CONFIG, 10_000)
    more = parse_scenario("more: applicants=40000", base, 0)
    fixed = parse_scenario("fixed: applicants=40000 quota=500", base, 0)
    assert base.quota_share is not None
    assert more.quota == round(40_000 * base.quota_share)
    assert (fixed.quota, fixed.quota_share) == (500, None)
