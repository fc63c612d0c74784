"""IDPoor eligibility, poorest-first selection, the catalogue, the population and the texts."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from itertools import islice

from skillsprogram_cambodia import catalogue, population, rules, selection
from skillsprogram_cambodia.configs import CONFIGS
from skillsprogram_cambodia.idpoor import SandboxIDPoorRegistry
from skillsprogram_cambodia.settings import CambodiaSettings, IDPoorRegistrySettings
from skillsprogram_cambodia.texts import SandboxSmsOutbox, text

from skillsprogram.config import load_config
from skillsprogram.domain.attributes import check_attributes, schema_of
from skillsprogram.domain.exchange import ApplicantFacts, Candidate, LifecycleEvent, Notification, WaveDraw

SETTINGS = CambodiaSettings()
REGISTRY = SandboxIDPoorRegistry(IDPoorRegistrySettings(seed=5))


def household_with(status: str, level: int | None = None) -> str:
    """A household number the sandbox registry answers with ``status`` (and ``level``)."""
    for serial in range(1, 10_000):
        number = f"12010101-{serial:04d}"
        card = REGISTRY.card(number)
        if card.status == status and (level is None or card.poverty_level == level):
            return number
    raise AssertionError("no such household in the sandbox")


def facts(household: str | None = None, **attributes: object) -> ApplicantFacts:
    attributes.setdefault("nationality", "KH")
    return ApplicantFacts(
        application_id=uuid.uuid4(),
        person_id=uuid.uuid4(),
        age=20,
        sex="F",
        region_code="12",
        occupation=None,
        in_education=False,
        attributes=attributes,
        household_recipients=0,
        previous_recipient=False,
        household_number=household,
    )


def failed_rules(person: ApplicantFacts) -> list[str]:
    return [f.rule for f in rules.judge([person], SETTINGS, REGISTRY) if not f.passed]


def test_a_level_1_or_2_equity_card_holder_declaring_the_card_s_level_is_eligible() -> None:
    assert failed_rules(facts(household_with("active", 1), idpoor_level=1)) == []
    assert failed_rules(facts(household_with("active", 2), idpoor_level=2)) == []


def test_a_declared_level_the_registry_does_not_confirm_is_refused() -> None:
    assert failed_rules(facts(household_with("active", 2), idpoor_level=1)) == [rules.LEVEL_MATCHES]


def test_a_declared_level_that_is_not_a_number_is_refused_not_a_crash() -> None:
    assert failed_rules(facts(household_with("active", 1), idpoor_level="one")) == [rules.LEVEL_MATCHES]
    assert failed_rules(facts(household_with("active", 1), idpoor_level="1")) == []


def test_unknown_or_expired_cards_are_refused_unless_the_person_is_in_a_vulnerable_category() -> None:
    assert failed_rules(facts(household_with("not_found"), idpoor_level=1)) == [rules.POOR_OR_VULNERABLE]
    assert failed_rules(facts(household_with("expired"), idpoor_level=2)) == [rules.POOR_OR_VULNERABLE]
    assert failed_rules(facts(household_with("expired"), vulnerable_category="disability")) == []


def test_without_a_card_only_a_vulnerable_category_qualifies() -> None:
    assert failed_rules(facts(vulnerable_category="orphan")) == []
    assert failed_rules(facts(vulnerable_category="tall")) == [rules.POOR_OR_VULNERABLE]
    assert failed_rules(facts()) == [rules.POOR_OR_VULNERABLE]


def test_foreign_nationals_are_refused() -> None:
    person = facts(household_with("active", 1), idpoor_level=1, nationality="TH")
    assert failed_rules(person) == [rules.CITIZEN]


def test_the_registry_is_asked_once_per_batch_not_once_per_person() -> None:
    registry = SandboxIDPoorRegistry(IDPoorRegistrySettings(seed=5, batch_limit=1_000))
    people = [facts(f"12010101-{n:04d}", idpoor_level=1) for n in range(1, 501)]
    rules.judge(people, SETTINGS, registry)
    assert registry.requests == 1


def candidate(**attributes: object) -> Candidate:
    return Candidate(uuid.uuid4(), None, "12", "12", attributes, datetime(2023, 11, 20, tzinfo=UTC))


def test_selection_serves_level_1_then_level_2_then_vulnerable_youth() -> None:
    people = [candidate(vulnerable_category="orphan") for _ in range(5)]
    people += [candidate(idpoor_level=2) for _ in range(5)] + [candidate(idpoor_level=1) for _ in range(5)]
    order = selection.rank(people, WaveDraw(uuid.uuid4(), 1, "seed", {"12": 3}), SETTINGS.priority)
    tiers = [selection.tier(next(c for c in people if c.application_id == a)) for a in order]
    assert tiers == ["level_1"] * 5 + ["level_2"] * 5 + ["vulnerable"] * 5


def test_ties_are_broken_by_the_published_seed_reproducibly() -> None:
    people = [candidate(idpoor_level=1) for _ in range(30)]
    wave = WaveDraw(uuid.uuid4(), 1, "published-seed", {"12": 3})
    first = selection.rank(people, wave, SETTINGS.priority)
    assert selection.rank(list(reversed(people)), wave, SETTINGS.priority) == first
    other = WaveDraw(wave.wave_id, 1, "another-seed", {"12": 3})
    assert selection.rank(people, other, SETTINGS.priority) != first


def test_the_catalogue_has_38_skills_in_10_fields_of_four_month_courses_with_paid_institutes() -> None:
    courses = catalogue.demo_catalogue()
    assert len(catalogue.skills()) == 38 and len(catalogue.FIELDS) == 10
    assert {c.title for c in courses} == {skill for _field, skill in catalogue.skills()}
    assert {c.duration_days for c in courses} == {120}
    assert all(c.provider_rail == "acleda" and c.provider_account for c in courses)


def test_the_population_is_reproducible_and_every_applicant_can_be_told_apart() -> None:
    today = date(2023, 11, 14)
    first = list(islice(population.synthetic_applicants(300, 4, today, SETTINGS), 300))
    again = list(population.synthetic_applicants(300, 4, today, SETTINGS))
    assert first == again
    ids = [p.registration.national_id for p in first]
    assert len(set(ids)) > 280  # about 1% register twice


def test_the_packaged_configuration_pays_khr_280000_a_month_for_80_percent_attendance() -> None:
    config = load_config(CONFIGS["default"])
    (allowance,) = config.benefits
    assert (config.currency, allowance.amount, allowance.trigger.value) == (
        "KHR",
        280_000,
        "attendance_month",
    )
    assert allowance.min_attendance_percent == 80 and allowance.instalments == 4
    assert config.provider_settlement is not None and config.programme.locales == ["km", "en"]


def notification(event_id: int, template: str, locale: str) -> Notification:
    event = LifecycleEvent(event_id, datetime(2024, 1, 1, tzinfo=UTC), "application", "x", "selected",
                           None, None, {})  # fmt: skip
    return Notification(event, "person", template, locale)


def test_people_are_written_to_in_khmer_with_english_as_the_fallback() -> None:
    assert "អបអរសាទរ" in text("selected", "km")
    assert text("selected", "fr") == text("selected", "en")
    outbox = SandboxSmsOutbox()
    assert outbox.send(notification(1, "benefit-withheld", "km"))
    assert not outbox.send(notification(1, "benefit-withheld", "km"))  # a repeated delivery
    assert outbox.by_template["benefit-withheld"] == 1


def test_a_sign_in_code_reaches_the_sandbox_outbox_in_khmer_with_its_code() -> None:
    outbox = SandboxSmsOutbox()
    sent = replace(
        notification(2, "sign-in-code", "km"), to="+85512345678", values={"code": "042917", "minutes": "10"}
    )
    assert outbox.send(sent)
    _, message = outbox.sent[2]
    assert "042917" in message and "10" in message and "លេខកូដ" in message
    assert "042917" in text("sign-in-code", "en", {"code": "042917", "minutes": "10"})


def test_the_packaged_configuration_carries_a_consent_statement_in_khmer_and_english() -> None:
    consent = load_config(CONFIGS["default"]).consent
    assert consent is not None and set(consent.texts) == {"km", "en"}
    assert "ប្រាំឆ្នាំ" in consent.texts["km"].retention and "five years" in consent.texts["en"].retention


def test_synthetic_youth_declare_only_the_attributes_the_rules_read_with_valid_values() -> None:
    schema = schema_of([rules.attributes(SETTINGS)])
    assert schema["nationality"].required and not schema["idpoor_level"].required
    assert {c.value for c in schema["vulnerable_category"].choices} == set(SETTINGS.vulnerable_categories)
    for applicant in population.synthetic_applicants(2_000, 4, date(2023, 11, 20), SETTINGS):
        check_attributes(schema, applicant.registration.attributes)
