"""Registration, identity, screening and the draw, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta

import pytest
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import func, select, text

from skillsprogram.config import ProgrammeConfig, WaveRules
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import RegionSpec
from skillsprogram.domain.models import Application, AuditEvent, EligibilityFinding, Person, Wave, WaveQuota
from skillsprogram.errors import (
    ConfigurationError,
    DuplicateRegistration,
    InvalidTransition,
    RegistrationClosed,
    ValidationFailed,
)
from skillsprogram.hooks.specs import hookimpl
from skillsprogram.services import registration, waves
from tests.services.helpers import register, status_of, to_eligible
from tests.support.testland import person


def count(ctx: ProgrammeContext, model: type) -> int:
    with ctx.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(model)).scalar_one())


def test_registration_creates_person_application_and_audit_event(ctx: ProgrammeContext) -> None:
    (app_id,) = register(ctx, 1)
    assert status_of(ctx, app_id) == "registered"
    with ctx.uow() as uow:
        actions = uow.session.execute(select(AuditEvent.action).where(AuditEvent.entity_id == str(app_id)))
        assert list(actions.scalars()) == ["registered"]


def test_second_registration_of_the_same_national_id_is_refused_and_writes_nothing(
    ctx: ProgrammeContext,
) -> None:
    register(ctx, 1)
    before = (count(ctx, Person), count(ctx, Application), count(ctx, AuditEvent))
    with ctx.transaction() as uow, pytest.raises(DuplicateRegistration):
        registration.register(uow, ctx, person(0, full_name="Someone Else"))
    assert (count(ctx, Person), count(ctx, Application), count(ctx, AuditEvent)) == before


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"birth_date": date(2030, 1, 1)}, "invalid-birth-date"),
        ({"region_code": "99.99"}, "unknown-region"),
        ({"national_id": "12ab"}, "invalid-national-id"),
        ({"full_name": "  "}, "invalid-name"),
    ],
)
def test_bad_registrations_are_refused_naming_the_rule(
    ctx: ProgrammeContext, override: dict[str, object], code: str
) -> None:
    with ctx.transaction() as uow:
        (outcome,) = registration.register_many(uow, ctx, [person(1, **override)])
    assert outcome.error is not None and outcome.error.code == code
    assert count(ctx, Person) == 0


def test_registration_outside_an_open_wave_is_refused(ctx: ProgrammeContext) -> None:
    ctx.clock.advance(timedelta(days=8))  # type: ignore[attr-defined]
    with ctx.transaction() as uow, pytest.raises(RegistrationClosed):
        registration.register(uow, ctx, person(1))


def test_personal_values_are_never_stored_in_clear(ctx: ProgrammeContext) -> None:
    # Values long enough that a hash or a ciphertext cannot contain them by chance.
    clear = person(0, household_number="H-58214-77309", phone="+9958214773")
    with ctx.transaction() as uow:
        registration.register(uow, ctx, clear)
    with ctx.uow() as uow:
        dump = " ".join(
            str(value)
            for table in ("person", "household", "audit_event")
            for row in uow.session.execute(text(f"select * from {table}")).all()
            for value in row
        )
    for secret in (clear.national_id, clear.phone, clear.household_number):
        assert secret and secret not in dump


def test_screening_applies_core_and_country_rules(ctx: ProgrammeContext) -> None:
    register(ctx, 3)
    with ctx.transaction() as uow:
        registration.register_many(
            uow, ctx, [person(10, occupation="soldier"), person(11, birth_date=date(2012, 1, 1))]
        )
    to_eligible(ctx)
    with ctx.uow() as uow:
        statuses = Counter(uow.session.execute(select(Application.status)).scalars())
        failed = set(
            uow.session.execute(
                select(EligibilityFinding.rule).where(EligibilityFinding.passed.is_(False))
            ).scalars()
        )
    assert statuses == {"eligible": 3, "ineligible": 2}
    assert failed == {"testland.not_soldier", "core.min_age"}


def test_draw_respects_quotas_is_reproducible_and_waitlists_the_rest(ctx: ProgrammeContext) -> None:
    register(ctx, 30)
    to_eligible(ctx)
    with ctx.transaction() as uow:
        waves.set_quotas(uow, ctx, 1, {"10": 5, "20": 3})
        outcome = waves.draw(uow, ctx, 1, seed="published-seed")
    assert outcome == {"selected": 8, "waitlisted": 22}
    with ctx.uow() as uow:
        selected = sorted(
            str(a)
            for a in uow.session.execute(
                select(Application.id).where(Application.status == "selected")
            ).scalars()
        )
        quotas = {q.region_code: q.selected for q in uow.session.execute(select(WaveQuota)).scalars()}
        wave = uow.session.execute(select(Wave)).scalar_one()
        assert wave.seed == "published-seed" and wave.status == "drawn"
    assert quotas == {"10": 5, "20": 3}
    with ctx.uow() as uow:
        ranks = {
            e.entity_id: e.data["rank"]
            for e in uow.session.execute(select(AuditEvent).where(AuditEvent.action == "selected")).scalars()
        }
    assert sorted(ranks) == selected


def test_household_cap_holds_within_a_draw(ctx: ProgrammeContext) -> None:
    with ctx.transaction() as uow:
        registration.register_many(uow, ctx, [person(n, household_number="SHARED") for n in range(4)])
    to_eligible(ctx)
    with ctx.transaction() as uow:
        waves.allocate_quotas(uow, ctx, 1, 4)
        outcome = waves.draw(uow, ctx, 1, seed="s")
    assert outcome["selected"] == 2


def test_a_wave_with_no_eligible_applicant_is_drawn_empty_and_the_next_wave_can_open(
    ctx: ProgrammeContext,
) -> None:
    register(ctx, 3, occupation="soldier")
    to_eligible(ctx)
    with ctx.transaction() as uow:
        assert waves.allocate_quotas(uow, ctx, 1, 10) == {}
        outcome = waves.draw(uow, ctx, 1, seed="empty-wave")
    assert outcome == {"selected": 0, "waitlisted": 0}
    with ctx.transaction() as uow:
        drawn = waves.get_wave(uow, ctx, 1)
        assert (drawn.status, drawn.seed) == ("drawn", "empty-wave")
        assert waves.open_wave(uow, ctx).number == 2


def test_a_wave_with_candidates_but_no_quotas_is_not_drawn(ctx: ProgrammeContext) -> None:
    register(ctx, 2)
    to_eligible(ctx)
    with ctx.transaction() as uow, pytest.raises(ConfigurationError) as refused:
        waves.draw(uow, ctx, 1)
    assert refused.value.code == "wave-without-quotas"


def test_drawing_an_open_wave_is_refused(ctx: ProgrammeContext) -> None:
    with ctx.transaction() as uow, pytest.raises(InvalidTransition):
        waves.draw(uow, ctx, 1)


def test_a_second_open_wave_is_refused(ctx: ProgrammeContext) -> None:
    with ctx.transaction() as uow, pytest.raises(InvalidTransition):
        waves.open_wave(uow, ctx)


def test_quota_for_an_unknown_region_is_refused(ctx: ProgrammeContext) -> None:
    with ctx.transaction() as uow, pytest.raises(ValidationFailed):
        waves.set_quotas(uow, ctx, 1, {"77": 3})


def _last_analyzed(ctx: ProgrammeContext) -> dict[str, object]:
    with ctx.uow() as uow:
        return dict(
            uow.session.execute(
                text(
                    "select relname, last_analyze from pg_stat_user_tables"
                    " where relname in ('application', 'person', 'household')"
                )
            ).all()
        )


def test_closing_a_wave_refreshes_planner_statistics_on_postgresql(ctx: ProgrammeContext) -> None:
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("SQLite plans from its indexes; there are no statistics to refresh")
    register(ctx, 3)
    before = _last_analyzed(ctx)
    with ctx.transaction() as uow:
        waves.close_wave(uow, ctx, 1)
    after = _last_analyzed(ctx)
    assert set(after) == {"application", "person", "household"}
    assert all(after[t] is not None and (before.get(t) is None or after[t] > before[t]) for t in after)  # type: ignore[operator]


def with_waves(ctx: ProgrammeContext, **rules: object) -> ProgrammeContext:
    """``ctx`` with its ``[waves]`` rules changed."""
    waves_rules = WaveRules.model_validate(ctx.config.waves.model_dump() | rules)
    return dataclasses.replace(ctx, config=ctx.config.model_copy(update={"waves": waves_rules}))


class Populations:
    """Region data with populations: the North has 7 people in 10, the South 3."""

    @hookimpl
    def skillsprogram_regions(self, programme: ProgrammeConfig) -> Iterable[RegionSpec]:
        return [
            RegionSpec("10", "North", 1, population=7_000),
            RegionSpec("20", "South", 1, population=3_000),
        ]


def test_quotas_follow_demand_by_default(ctx: ProgrammeContext) -> None:
    register(ctx, 10, region_code="20.01")
    to_eligible(ctx)
    with ctx.transaction() as uow:
        assert waves.allocate_quotas(uow, ctx, 1, 6) == {"20": 6}


def test_quotas_by_population_share_the_whole_wave_whatever_the_demand(ctx: ProgrammeContext) -> None:
    register(ctx, 10, region_code="20.01")
    to_eligible(ctx)
    by_population = with_waves(ctx, quota_allocation="population")
    assert by_population.pm is not None
    by_population.pm.register(Populations())
    with by_population.transaction() as uow:
        assert waves.allocate_quotas(uow, by_population, 1, 11) == {"10": 8, "20": 3}
        assert waves.draw(uow, by_population, 1, seed="s") == {"selected": 3, "waitlisted": 7}


def test_quotas_by_population_need_the_regions_population(ctx: ProgrammeContext) -> None:
    by_population = with_waves(ctx, quota_allocation="population")
    with by_population.transaction() as uow, pytest.raises(ConfigurationError) as refused:
        waves.allocate_quotas(uow, by_population, 1, 10)
    assert refused.value.code == "regions-without-population"


def test_fixed_quotas_come_from_the_configuration(ctx: ProgrammeContext) -> None:
    register(ctx, 10)
    to_eligible(ctx)
    fixed = with_waves(ctx, quota_allocation="fixed", fixed_quotas={"10": 2, "20": 1})
    assert waves.configured_places(fixed) == 3
    with fixed.transaction() as uow:
        assert waves.allocate_quotas(uow, fixed, 1) == {"10": 2, "20": 1}
        with pytest.raises(ValidationFailed, match="give 3 places, not 5"):
            waves.allocate_quotas(uow, fixed, 1, 5)
        assert waves.draw(uow, fixed, 1, seed="s")["selected"] == 3


def test_a_wave_size_is_needed_unless_the_quotas_are_fixed(ctx: ProgrammeContext) -> None:
    assert waves.configured_places(ctx) is None
    with ctx.transaction() as uow, pytest.raises(ValidationFailed):
        waves.allocate_quotas(uow, ctx, 1)


@pytest.mark.parametrize(
    "rules",
    [
        {"quota_allocation": "fixed"},
        {"fixed_quotas": {"10": 1}},
        {"quota_allocation": "fixed", "fixed_quotas": {"10": -1}},
    ],
)
def test_inconsistent_quota_settings_are_refused(rules: dict[str, object]) -> None:
    with pytest.raises(PydanticValidationError):
        WaveRules.model_validate(rules)
