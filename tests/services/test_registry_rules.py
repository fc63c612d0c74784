"""Registry eligibility rules: each check gets a chunk at once, with only the fields it declared."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence

import pytest
from sqlalchemy import select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import RegistryRule, RegistrySubject
from skillsprogram.domain.models import EligibilityFinding
from skillsprogram.errors import ConfigurationError
from skillsprogram.hooks.manager import build_plugin_manager
from skillsprogram.hooks.specs import hookimpl
from tests.services.helpers import register, status_of, to_eligible


class PovertyRegistry:
    """A registry rule asking by household number only, refusing every second household."""

    RULE = "spy.poverty_registry"

    def __init__(self, needs: tuple[str, ...] = ("household_number",)) -> None:
        self.needs = needs
        self.requests: list[list[RegistrySubject]] = []

    @hookimpl
    def skillsprogram_registry_rules(self, programme: object) -> Iterable[RegistryRule]:
        return [RegistryRule(self.RULE, self.needs, "on the poverty registry")]  # type: ignore[arg-type]

    @hookimpl
    def skillsprogram_check_registry(
        self, rule: str, subjects: Sequence[RegistrySubject]
    ) -> Mapping[uuid.UUID, str] | None:
        if rule != self.RULE:
            return None
        self.requests.append(list(subjects))
        return {
            s.application_id: "not on the poverty registry"
            for s in subjects
            if s.household_number is not None and int(s.household_number[-1]) % 2
        }


def test_a_registry_rule_gets_each_chunk_in_one_request_with_only_its_declared_field(
    ctx: ProgrammeContext,
) -> None:
    registry = PovertyRegistry()
    ctx.pm = build_plugin_manager(ctx.config.plugins, extra=[("spy", registry)])
    applications = register(ctx, 6)
    to_eligible(ctx)
    (request,) = registry.requests
    assert {s.application_id for s in request} == set(applications)
    assert all(s.household_number for s in request)
    assert all(s.national_id is None and s.full_name is None and s.birth_date is None for s in request)
    refused = {s.application_id for s in request if int(s.household_number[-1]) % 2}  # type: ignore[index]
    assert 0 < len(refused) < len(applications)
    assert all(status_of(ctx, a) == "ineligible" for a in refused)
    with ctx.uow() as uow:
        stored = uow.session.execute(
            select(EligibilityFinding.application_id, EligibilityFinding.reason).where(
                EligibilityFinding.rule == PovertyRegistry.RULE
            )
        ).all()
    assert {row[0] for row in stored} == refused
    assert {row[1] for row in stored} == {"not on the poverty registry"}


def test_a_rule_asking_for_a_value_the_core_does_not_hand_out_is_refused(ctx: ProgrammeContext) -> None:
    ctx.pm = build_plugin_manager(ctx.config.plugins, extra=[("spy", PovertyRegistry(("phone",)))])
    register(ctx, 1)
    with pytest.raises(ConfigurationError, match="'phone'"):
        to_eligible(ctx)


class Unanswered:
    @hookimpl
    def skillsprogram_registry_rules(self, programme: object) -> Iterable[RegistryRule]:
        return [RegistryRule("nobody.checks", ("national_id",))]


def test_a_declared_rule_nobody_checks_stops_screening_naming_it(ctx: ProgrammeContext) -> None:
    ctx.pm = build_plugin_manager(ctx.config.plugins, extra=[("unanswered", Unanswered())])
    (application,) = register(ctx, 1)
    with pytest.raises(ConfigurationError, match=r"nobody\.checks"):
        to_eligible(ctx)
    assert status_of(ctx, application) == "identity_verified"
