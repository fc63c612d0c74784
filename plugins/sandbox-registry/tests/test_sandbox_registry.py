"""The sandbox registry answers in batches, with stable fates and honest failures."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
from skillsprogram_sandbox_registry.registry import SandboxRegistry, parse_settings

from skillsprogram.config import parse_config
from skillsprogram.domain.exchange import IdentityClaim, RegistrySubject
from skillsprogram.errors import ConfigurationError
from skillsprogram.hooks.manager import build_plugin_manager
from skillsprogram.plugin import Titles


def claim(n: int, name: str = "Budi Santoso", birth: date = date(1990, 5, 17)) -> IdentityClaim:
    return IdentityClaim(uuid.UUID(int=n), f"3201{n:012d}", name, birth, "M", None)


def registry(**settings: object) -> SandboxRegistry:
    return SandboxRegistry(parse_settings({"seed": 1, **settings}))


def test_every_claim_gets_one_verdict_and_fates_are_stable() -> None:
    claims = [claim(n) for n in range(500)]
    first = registry().verify(claims)
    second = registry().verify(claims)
    assert [v.application_id for v in first] == [c.application_id for c in claims]
    assert first == second


def test_rates_of_not_found_and_mismatch_are_roughly_respected() -> None:
    verdicts = registry(not_found_rate=0.1, mismatch_rate=0.1).verify([claim(n) for n in range(3_000)])
    reasons = [v.reason for v in verdicts if not v.verified]
    assert 200 < sum("not found" in (r or "") for r in reasons) < 400
    assert 180 < sum("differs" in (r or "") for r in reasons) < 400


def test_known_records_are_authoritative(tmp_path: Path) -> None:
    records = tmp_path / "registry.csv"
    records.write_text(
        f"national_id,full_name,birth_date\n{claim(1).national_id},Budi Santoso,1990-05-17\n"
        f"{claim(2).national_id},Ani Lestari,1991-01-01\n"
    )
    answers = registry(known_records=str(records), not_found_rate=1.0).verify([claim(1), claim(2)])
    assert [v.verified for v in answers] == [True, False]


def test_batches_are_split_into_requests_of_the_limit() -> None:
    sandbox = registry(batch_limit=100)
    sandbox.verify([claim(n) for n in range(250)])
    assert sandbox.requests == 3


def test_an_unavailable_registry_leaves_claims_undecided() -> None:
    assert registry(unavailable_rate=1.0).verify([claim(n) for n in range(10)]) == []


def test_unknown_setting_is_refused_with_the_field_name() -> None:
    with pytest.raises(ConfigurationError, match="mismatch_rat"):
        parse_settings({"mismatch_rat": 0.5})


def test_plugin_answers_the_identity_hook() -> None:
    programme = parse_config(
        {
            "programme": {"code": "p", "name": "P", "country": "ID", "currency": "IDR"},
            "voucher": {"amount": 1000},
            "plugins": ["sandbox_registry"],
            "plugin_settings": {"sandbox_registry": {"not_found_rate": 0.0, "mismatch_rate": 0.0}},
        }
    )
    pm = build_plugin_manager(programme.plugins)
    verdicts = pm.hook.skillsprogram_verify_identities(claims=[claim(7)], programme=programme)
    assert verdicts[0].verified and verdicts[0].method == "sandbox-registry"


def test_known_records_compare_names_by_the_holder_name_rule(tmp_path: Path) -> None:
    records = tmp_path / "registry.csv"
    records.write_text(f"national_id,full_name,birth_date\n{claim(1).national_id},សុខ ដារា,1990-05-17\n")
    known = SandboxRegistry(parse_settings({"seed": 1, "known_records": str(records)}), Titles.of(("លោក",)))
    claims = [claim(1, "លោក សុខ ដារា"), claim(1, "ចាន់ សុភា"), claim(1, "")]
    assert [v.verified for v in known.verify(claims)] == [True, False, False]
    assert not registry(known_records=str(records)).verify([claim(1, "លោក សុខ ដារា")])[0].verified


def test_the_enrolment_check_finds_a_stable_share_a_request_per_batch_limit() -> None:
    subjects = [RegistrySubject(uuid.UUID(int=n), national_id=f"3201{n:012d}") for n in range(2_000)]
    sandbox = registry(enrolled_elsewhere_rate=0.2, batch_limit=500)
    found = sandbox.enrolled_elsewhere(subjects)
    assert sandbox.requests == 4
    assert 300 < len(found) < 500
    assert found == registry(enrolled_elsewhere_rate=0.2).enrolled_elsewhere(subjects)
    assert all("another skills programme (SANDBOX)" in reason for reason in found.values())


def test_the_enrolment_rule_is_declared_only_when_switched_on() -> None:
    from skillsprogram_sandbox_registry import plugin

    base = {
        "programme": {"code": "p", "name": "P", "country": "ID", "currency": "IDR"},
        "voucher": {"amount": 1},
        "plugins": ["sandbox_registry"],
    }
    off = parse_config(base)
    on = parse_config({**base, "plugin_settings": {"sandbox_registry": {"enrolled_elsewhere_rate": 0.1}}})
    assert list(plugin.skillsprogram_registry_rules(off)) == []
    (rule,) = plugin.skillsprogram_registry_rules(on)
    assert rule.rule == plugin.ENROLLED_ELSEWHERE and rule.needs == ("national_id",)
