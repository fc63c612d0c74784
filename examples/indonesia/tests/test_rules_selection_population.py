"""Kartu Prakerja's eligibility rules, lottery and synthetic population."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime
from itertools import islice

from skillsprogram_indonesia.configs import CONFIGS
from skillsprogram_indonesia.nik import parse_nik
from skillsprogram_indonesia.population import synthetic_applicants
from skillsprogram_indonesia.regions import all_regions, frontier_regencies, provinces
from skillsprogram_indonesia.rules import judge
from skillsprogram_indonesia.selection import rank
from skillsprogram_indonesia.settings import IndonesiaSettings, LotteryWeights

from skillsprogram.config import load_config
from skillsprogram.domain.attributes import check_attributes, schema_of
from skillsprogram.domain.exchange import ApplicantFacts, Candidate, WaveDraw
from skillsprogram.errors import InvalidNationalId
from skillsprogram.hooks.manager import build_plugin_manager


def facts(**overrides: object) -> ApplicantFacts:
    values: dict[str, object] = {
        "application_id": uuid.uuid4(),
        "person_id": uuid.uuid4(),
        "age": 30,
        "sex": "F",
        "region_code": "32.04",
        "occupation": "farmer",
        "in_education": False,
        "attributes": {"citizenship": "ID"},
        "household_recipients": 0,
        "previous_recipient": False,
    }
    values.update(overrides)
    return ApplicantFacts(**values)  # type: ignore[arg-type]


def test_an_ordinary_applicant_breaks_no_indonesian_rule() -> None:
    assert judge([facts()], IndonesiaSettings()) == []


def test_each_exclusion_names_its_rule_and_reason() -> None:
    cases = {
        "indonesia.citizen": facts(attributes={"citizenship": "MY"}),
        "indonesia.not_in_education": facts(in_education=True),
        "indonesia.excluded_occupation": facts(occupation="police"),
    }
    for rule, applicant in cases.items():
        (finding,) = judge([applicant], IndonesiaSettings())
        assert finding.rule == rule and not finding.passed and finding.reason


def test_civil_servants_are_excluded_with_a_readable_reason() -> None:
    (finding,) = judge([facts(occupation="civil_servant")], IndonesiaSettings())
    assert "PNS/ASN" in (finding.reason or "")


def test_a_refusal_reason_reads_in_indonesian_with_its_occupation_translated_too() -> None:
    from skillsprogram_indonesia.plugin import CATALOGUES

    from skillsprogram.i18n import Catalogues

    (finding,) = judge([facts(occupation="civil_servant")], IndonesiaSettings())
    texts = Catalogues([CATALOGUES], ["id", "en"])
    assert texts.translate_filled("id", finding.reason or "") == (
        "pekerjaan yang dikecualikan: Aparatur Sipil Negara (PNS/ASN)"
    )
    assert (
        texts.translate_filled("en", finding.reason or "") == "excluded occupation: civil servant (PNS/ASN)"
    )


def test_social_assistance_exclusion_applies_only_when_configured() -> None:
    person = facts(attributes={"citizenship": "ID", "social_assistance": True})
    assert judge([person], IndonesiaSettings()) == []
    assert judge([person], IndonesiaSettings(exclude_social_assistance=True))[0].rule == (
        "indonesia.social_assistance"
    )


def candidate(n: int, **attributes: object) -> Candidate:
    return Candidate(uuid.UUID(int=n), None, "32.04", "32.04", attributes, datetime(2023, 3, 1, tzinfo=UTC))


def test_lottery_is_reproducible_and_independent_of_input_order() -> None:
    people = [candidate(n) for n in range(1, 300)]
    wave = WaveDraw(uuid.uuid4(), 1, "seed-1", {"32.04": 10})
    first = rank(people, wave, LotteryWeights())
    assert first == rank(list(reversed(people)), wave, LotteryWeights())
    assert first != rank(people, WaveDraw(wave.wave_id, 1, "seed-2", {}), LotteryWeights())


def test_never_trained_applicants_are_drawn_more_often() -> None:
    people = [candidate(n, never_trained=n % 2 == 0) for n in range(1, 4001)]
    top = rank(people, WaveDraw(uuid.uuid4(), 1, "s", {}), LotteryWeights())[:1000]
    prioritised = sum(1 for app in top if app.int % 2 == 0)
    assert prioritised > 560  # weight 1.5 against 1: about 60% of the first thousand


def test_synthetic_population_is_reproducible_and_has_every_defect() -> None:
    first = list(synthetic_applicants(3000, seed=5, today=date(2023, 3, 1)))
    again = list(synthetic_applicants(3000, seed=5, today=date(2023, 3, 1)))
    assert [a.registration for a in first] == [a.registration for a in again]
    assert len(first) == 3000
    ids = Counter(a.registration.national_id for a in first)
    assert any(count > 1 for count in ids.values()), "duplicates"
    malformed = 0
    for applicant in first:
        try:
            parse_nik(applicant.registration.national_id, date(2023, 3, 1))
        except InvalidNationalId:
            malformed += 1
    assert 20 < malformed < 150
    registrations = [a.registration for a in first]
    assert sum(r.in_education for r in registrations) > 30
    assert sum(r.occupation == "civil_servant" or r.occupation == "police" for r in registrations) > 5
    assert sum(r.attributes["citizenship"] != "ID" for r in registrations) > 3
    households = Counter(r.household_number for r in registrations)
    assert any(count >= 3 for count in households.values()), "families sharing a family card"


def test_synthetic_population_is_lazy_and_java_heavy() -> None:
    people = list(islice(synthetic_applicants(10**9, seed=1, today=date(2023, 3, 1)), 2000))
    java = sum(p.registration.region_code[:2] in {"31", "32", "33", "34", "35", "36"} for p in people)
    assert java / len(people) > 0.6


def test_both_scheme_configurations_load() -> None:
    normal, semi = load_config(CONFIGS["2023"]), load_config(CONFIGS["2020"])
    assert normal.voucher.amount == 3_500_000 and semi.voucher.amount == 1_000_000
    assert [b.instalments for b in semi.benefits] == [4, 3]
    assert semi.eligibility.max_age == 64 and normal.eligibility.max_age is None


def test_regions_have_unique_codes_and_known_parents() -> None:
    regions = all_regions()
    codes = [r.code for r in regions]
    assert len(codes) == len(set(codes))
    assert len(provinces()) == 38
    for region in regions:
        if region.level == 2:
            assert region.parent_code == region.code[:2]
    assert frontier_regencies()


def test_synthetic_people_declare_valid_attributes_and_social_assistance_is_asked_where_it_excludes() -> None:
    for scheme, asked in (("2020", True), ("2023", False)):
        config = load_config(CONFIGS[scheme])
        schema = schema_of(
            build_plugin_manager(config.plugins).hook.skillsprogram_registration_attributes(programme=config)
        )
        assert schema["citizenship"].required and schema["social_assistance"].required is asked
        for applicant in islice(synthetic_applicants(2_000, seed=4, today=date(2023, 3, 1)), 2_000):
            check_attributes(schema, applicant.registration.attributes)
