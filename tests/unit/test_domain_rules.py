"""Domain rules that need no database: money, ledger, lifecycle, quotas, lottery, privacy, config."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skillsprogram.clock import SystemClock
from skillsprogram.config import load_config, parse_config
from skillsprogram.domain.exchange import ApplicantFacts, BenefitEvent
from skillsprogram.domain.ledger import Leg, check_balanced, transfer
from skillsprogram.domain.lifecycle import (
    APPLICATION_TRANSITIONS,
    ApplicationStatus,
    can_move,
    check_move,
)
from skillsprogram.domain.lottery import weighted_order
from skillsprogram.domain.people import age_on
from skillsprogram.domain.quotas import allocate, region_at_level
from skillsprogram.errors import ConfigurationError, InvalidTransition, LedgerImbalance
from skillsprogram.hooks.manager import build_plugin_manager
from skillsprogram.privacy import PersonalDataVault, PersonalKind, mask

TESTLAND = Path(__file__).parents[1] / "support" / "testland.toml"
BASE = {
    "programme": {"code": "p", "name": "P", "country": "ID", "currency": "IDR"},
    "voucher": {"amount": 1000},
}


accounts = st.lists(st.uuids(), min_size=2, max_size=6, unique=True)


@given(
    accounts, st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(1, 10**12)), max_size=30)
)
def test_any_sequence_of_transfers_keeps_every_currency_balanced(
    ids: list[uuid.UUID], moves: list[tuple[int, int, int]]
) -> None:
    balances: Counter[uuid.UUID] = Counter()
    for source, target, amount in moves:
        posting = transfer("t", "r", ids[source % len(ids)], ids[target % len(ids)], amount, "IDR")
        check_balanced(posting.legs)
        for leg in posting.legs:
            balances[leg.account_id] += leg.amount
    assert sum(balances.values()) == 0


def test_unbalanced_single_leg_and_float_postings_are_refused() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    with pytest.raises(LedgerImbalance):
        check_balanced([Leg(a, 10, "IDR"), Leg(b, -9, "IDR")])
    with pytest.raises(LedgerImbalance):
        check_balanced([Leg(a, 10, "IDR")])
    with pytest.raises(LedgerImbalance):
        check_balanced([Leg(a, 1.0, "IDR"), Leg(b, -1.0, "IDR")])  # type: ignore[arg-type]
    with pytest.raises(LedgerImbalance):
        check_balanced([Leg(a, 10, "IDR"), Leg(b, -10, "KHR")])


def test_every_listed_move_is_allowed_and_others_refused() -> None:
    for source, targets in APPLICATION_TRANSITIONS.items():
        for target in ApplicationStatus:
            expected = target in targets or (
                target is ApplicationStatus.REVOKED and source is not ApplicationStatus.REVOKED
            )
            assert can_move(source, target) is expected, (source, target)
    with pytest.raises(InvalidTransition):
        check_move(ApplicationStatus.REGISTERED, ApplicationStatus.SELECTED)
    with pytest.raises(InvalidTransition):
        check_move(ApplicationStatus.REVOKED, ApplicationStatus.REVOKED)


@given(
    st.integers(0, 10_000),
    st.dictionaries(st.text("0123456789", min_size=2, max_size=2), st.integers(0, 5_000), max_size=20),
)
def test_quota_allocation_never_exceeds_demand_and_adds_up(total: int, demand: dict[str, int]) -> None:
    quotas = allocate(total, demand)
    assert sum(quotas.values()) == min(total, sum(demand.values()))
    assert all(quotas[r] <= demand[r] for r in demand)
    assert quotas == allocate(total, dict(reversed(list(demand.items()))))


def test_region_at_level_truncates_codes() -> None:
    assert region_at_level("32.04.05", 2) == "32.04" and region_at_level("32.04", 1) == "32"


def test_weighted_lottery_favours_weight_two_about_two_to_one() -> None:
    people = [uuid.UUID(int=n) for n in range(1, 6001)]
    heavy = set(people[::2])
    first = weighted_order(people, "seed", lambda p: p, lambda p: 2.0 if p in heavy else 1.0)[:1000]
    share = sum(p in heavy for p in first) / 1000
    assert 0.6 < share < 0.73
    assert (
        first
        == weighted_order(list(reversed(people)), "seed", lambda p: p, lambda p: 2.0 if p in heavy else 1.0)[
            :1000
        ]
    )


def test_age_counts_completed_years() -> None:
    assert age_on(date(2005, 3, 2), date(2023, 3, 1)) == 17
    assert age_on(date(2005, 3, 1), date(2023, 3, 1)) == 18


def test_personal_values_hash_per_kind_and_encrypt_per_secret() -> None:
    vault = PersonalDataVault("a-secret-of-enough-length")
    assert vault.digest(PersonalKind.NATIONAL_ID, "1") == vault.digest(PersonalKind.NATIONAL_ID, "1")
    assert vault.digest(PersonalKind.NATIONAL_ID, "1") != vault.digest(PersonalKind.PHONE, "1")
    token = vault.encrypt("3201011705900001")
    assert "3201011705900001" not in token and vault.decrypt(token) == "3201011705900001"
    with pytest.raises(ValueError):
        PersonalDataVault("another-secret-of-enough-length").decrypt(token)
    assert mask("3201011705900001") == "************0001"


def test_testland_configuration_loads() -> None:
    assert load_config(TESTLAND).voucher.amount == 1_000_000


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"voucher": {"amount": 1000, "amout": 5}}, "voucher.amout"),
        ({"voucher": {}}, "voucher.amount"),
        ({"programme": {**BASE["programme"], "currency": "rupiah"}}, "programme.currency"),
        ({"eligibility": {"min_age": 30, "max_age": 20}}, "eligibility"),
        ({"benefits": [{"code": "a", "amount": 1, "trigger": "attendance_month"}]}, "benefits.0"),
    ],
)
def test_a_bad_configuration_names_the_file_and_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigurationError, match=field) as raised:
        parse_config({**BASE, **change}, source="my-programme.toml")
    assert "my-programme.toml" in str(raised.value)


def test_missing_configuration_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"nope\.toml"):
        load_config(tmp_path / "nope.toml")


def facts(age: int = 30, household: int = 0, previous: bool = False) -> ApplicantFacts:
    return ApplicantFacts(uuid.uuid4(), uuid.uuid4(), age, "F", "10.01", None, False, {}, household, previous)


def test_default_eligibility_rules_report_age_once_only_and_household_cap() -> None:
    config = parse_config(
        {**BASE, "eligibility": {"min_age": 18, "max_age": 64, "max_recipients_per_household": 2}}
    )
    pm = build_plugin_manager()
    rules = {
        f.rule
        for batch in pm.hook.skillsprogram_eligibility_rules(
            applicants=[facts(age=17), facts(age=70), facts(previous=True), facts(household=2), facts()],
            programme=config,
            clock=SystemClock(),
        )
        for f in batch
    }
    assert rules == {"core.min_age", "core.max_age", "core.once_only", "core.household_cap"}


def test_default_benefit_schedule_spaces_instalments_and_caps_surveys() -> None:
    config = load_config(TESTLAND)
    pm = build_plugin_manager()
    from datetime import UTC, datetime, timedelta

    now = datetime(2025, 1, 1, tzinfo=UTC)
    incentive, survey = pm.hook.skillsprogram_benefit_schedule(
        events=[
            BenefitEvent(uuid.uuid4(), "first_course_rated", now),
            BenefitEvent(uuid.uuid4(), "survey_answered", now, "exit", earned_before={"survey": 1}),
        ],
        programme=config,
    )
    assert [(e.period, e.due_at - now) for e in incentive] == [(1, timedelta(0)), (2, timedelta(days=30))]
    assert survey == []


def test_attendance_below_threshold_is_withheld() -> None:
    from datetime import UTC, datetime

    config = parse_config(
        {
            **BASE,
            "benefits": [
                {
                    "code": "allowance",
                    "amount": 280_000,
                    "trigger": "attendance_month",
                    "instalments": 4,
                    "min_attendance_percent": 80,
                }
            ],
        }
    )
    pm = build_plugin_manager()
    now = datetime(2025, 1, 1, tzinfo=UTC)
    (low,), (good,) = pm.hook.skillsprogram_benefit_schedule(
        events=[
            BenefitEvent(uuid.uuid4(), "attendance_month", now, "2025-01", {"attendance_percent": 60}),
            BenefitEvent(
                uuid.uuid4(), "attendance_month", now, "2025-02", {"attendance_percent": 90}, {"allowance": 1}
            ),
        ],
        programme=config,
    )
    assert low.withheld_reason and "60%" in low.withheld_reason
    assert good.withheld_reason is None and good.period == 2


class Misspelt:
    def skillsprogram_verify_identites(self, claims: object, programme: object) -> None:
        """A typo in the hook name."""


class WrongArgument:
    def skillsprogram_notify(self, message: object, programme: object) -> None:
        """An argument the hook does not have."""


def test_plugins_with_unknown_hooks_or_wrong_arguments_are_refused_by_name() -> None:
    from skillsprogram.hooks.specs import hookimpl

    misspelt, wrong = Misspelt(), WrongArgument()
    hookimpl(misspelt.skillsprogram_verify_identites.__func__)  # type: ignore[attr-defined]
    hookimpl(wrong.skillsprogram_notify.__func__)  # type: ignore[attr-defined]
    with pytest.raises(ConfigurationError, match="typo_plugin"):
        build_plugin_manager(extra=[("typo_plugin", misspelt)])
    with pytest.raises(ConfigurationError, match="wrong_plugin"):
        build_plugin_manager(extra=[("wrong_plugin", wrong)])


def test_a_country_answer_wins_over_the_default_and_tracing_hides_values(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from skillsprogram.domain.exchange import ParsedNationalId
    from skillsprogram.hooks.specs import hookimpl

    class Country:
        @hookimpl
        def skillsprogram_parse_national_id(self, raw: str, programme: object) -> ParsedNationalId:
            return ParsedNationalId(normalised="country:" + raw)

    pm = build_plugin_manager(extra=[("country", Country())], trace=True)
    with caplog.at_level(logging.INFO, logger="skillsprogram.hooks"):
        parsed = pm.hook.skillsprogram_parse_national_id(
            raw="3201011705900001", programme=parse_config(BASE), clock=SystemClock()
        )
    assert parsed.normalised == "country:3201011705900001"
    assert "skillsprogram_parse_national_id" in caplog.text
    assert "3201011705900001" not in caplog.text


@given(st.integers(min_value=1, max_value=40))
def test_codes_have_the_asked_length_in_the_read_aloud_alphabet(length: int) -> None:
    from skillsprogram.services.vouchers import CODE_ALPHABET, new_code

    code = new_code(length)
    assert len(code) == length
    assert set(code) <= set(CODE_ALPHABET)


def test_codes_use_every_symbol_about_equally_and_do_not_repeat() -> None:
    from skillsprogram.services.vouchers import CODE_ALPHABET, new_code

    codes = [new_code() for _ in range(4_000)]
    assert len(set(codes)) == len(codes)
    symbols = Counter("".join(codes))
    assert set(symbols) == set(CODE_ALPHABET)
    expected = 4_000 * 12 / len(CODE_ALPHABET)  # 1,500 each
    assert all(abs(count - expected) < 0.15 * expected for count in symbols.values())
