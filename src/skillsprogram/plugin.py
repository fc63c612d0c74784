"""Everything a country plugin needs, in one import: ``from skillsprogram.plugin import ...``.

A plugin (a country package, an identity registry, a payment rail) imports from the
core only this module. The names below are re-exported from where the core keeps
them, so they are the same objects the core uses; the hooks themselves are
documented in :mod:`skillsprogram.hooks.specs` (``docs/hooks.md``).

Marking hooks
    ``hookimpl``: the decorator for every hook function (``@hookimpl``).

Texts
    ``N_``: mark an English text (a refusal reason, an attribute's label) for the
    catalogues; it is translated where it is shown, from the catalogues the plugin offers
    through ``skillsprogram_message_catalogues`` (``make messages`` extracts it).

Settings of a plugin
    ``plugin_settings``: validate the plugin's ``[plugin_settings.<name>]`` table of a
    programme with a pydantic model; ``validate_plugin_settings`` does the same for a
    table at hand (a test's dict). Both raise ``ConfigurationError`` naming the
    plugin, each field at fault and its problem.

The programme's configuration (what every hook receives as ``programme``)
    ``ProgrammeConfig`` and the parts a plugin reads: ``ProgrammeInfo`` (country,
    currency, locales, time zone), ``EligibilityRules``, ``IdentityRules``,
    ``WaveRules``, ``VoucherRules``, ``BenefitRule`` and ``BenefitTrigger``,
    ``ProviderSettlementRules``, ``SurveyDefinition`` and ``DemoSettings``.

Time
    ``Clock``: what a hook that needs the date is given (``clock.now()`` is aware UTC);
    ``today_in``: the programme's calendar day, ``today_in(clock, programme.programme.zone)``.

Registration and identity
    ``RegistrationRequest`` (and its ``Sex``), ``ParsedNationalId``,
    ``ParsedHouseholdNumber``, ``AttributeSpec``, ``AttributeChoice``,
    ``AttributeType``, ``AttributeValue``, ``IdentityClaim``, ``IdentityVerdict``.

Eligibility and selection
    ``ApplicantFacts``, ``Finding``, ``Candidate``, ``WaveDraw``; for a rule asking
    another registry, ``RegistryRule`` (its id and the ``RegistryField`` values it needs)
    and ``RegistrySubject`` (one applicant with only those fields); the lottery helpers
    ``weighted_order`` (a weighted draw anyone can re-run from the published seed),
    ``ticket`` (one candidate's uniform number for a seed) and ``draw_key`` (its
    weighted sort key).

Benefits, events and notifications
    ``BenefitEvent``, ``EntitlementSpec``, ``LifecycleEvent``, ``Notification``.

Payment rails and funding
    ``PaymentRail`` (the protocol a rail implements), ``AccountCheck``,
    ``PaymentInstruction``, ``RailResult``, ``RailStatus``, ``StatementLine``,
    ``RailCallback``, ``RailTimeout`` (raise it when the rail did not answer in time),
    ``FundingAnswer``; ``same_name``: the core's rule for "is this account held in
    this person's name" across spellings and scripts, with ``Titles`` (the programme's
    ``[identity] name_titles``, ``Titles.of(tuple(programme.identity.name_titles))``).

Demo data
    ``RegionSpec``, ``CourseSpec``, ``SyntheticApplicant``.

Errors a plugin raises
    ``ConfigurationError`` (a settings table or set-up that cannot work),
    ``InvalidNationalId``, ``InvalidHouseholdNumber``, and their bases
    ``ValidationFailed`` and ``DomainError`` (a refusal with a stable ``code``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from skillsprogram.clock import Clock, today_in
from skillsprogram.config import (
    BenefitRule,
    BenefitTrigger,
    DemoSettings,
    EligibilityRules,
    IdentityRules,
    ProgrammeConfig,
    ProgrammeInfo,
    ProviderSettlementRules,
    SurveyDefinition,
    VoucherRules,
    WaveRules,
)
from skillsprogram.domain.exchange import (
    AccountCheck,
    ApplicantFacts,
    AttributeChoice,
    AttributeSpec,
    AttributeType,
    AttributeValue,
    BenefitEvent,
    Candidate,
    CourseSpec,
    EntitlementSpec,
    Finding,
    FundingAnswer,
    IdentityClaim,
    IdentityVerdict,
    LifecycleEvent,
    Notification,
    ParsedHouseholdNumber,
    ParsedNationalId,
    PaymentInstruction,
    PaymentRail,
    RailCallback,
    RailResult,
    RailStatus,
    RailTimeout,
    RegionSpec,
    RegistrationRequest,
    RegistryField,
    RegistryRule,
    RegistrySubject,
    Sex,
    StatementLine,
    SyntheticApplicant,
    WaveDraw,
)
from skillsprogram.domain.lottery import draw_key, ticket, weighted_order
from skillsprogram.domain.names import Titles, same_name
from skillsprogram.errors import (
    ConfigurationError,
    DomainError,
    InvalidHouseholdNumber,
    InvalidNationalId,
    ValidationFailed,
)
from skillsprogram.hooks.specs import hookimpl
from skillsprogram.i18n import N_

__all__ = [
    "N_",
    "AccountCheck",
    "ApplicantFacts",
    "AttributeChoice",
    "AttributeSpec",
    "AttributeType",
    "AttributeValue",
    "BenefitEvent",
    "BenefitRule",
    "BenefitTrigger",
    "Candidate",
    "Clock",
    "ConfigurationError",
    "CourseSpec",
    "DemoSettings",
    "DomainError",
    "EligibilityRules",
    "EntitlementSpec",
    "Finding",
    "FundingAnswer",
    "IdentityClaim",
    "IdentityRules",
    "IdentityVerdict",
    "InvalidHouseholdNumber",
    "InvalidNationalId",
    "LifecycleEvent",
    "Notification",
    "ParsedHouseholdNumber",
    "ParsedNationalId",
    "PaymentInstruction",
    "PaymentRail",
    "ProgrammeConfig",
    "ProgrammeInfo",
    "ProviderSettlementRules",
    "RailCallback",
    "RailResult",
    "RailStatus",
    "RailTimeout",
    "RegionSpec",
    "RegistrationRequest",
    "RegistryField",
    "RegistryRule",
    "RegistrySubject",
    "Sex",
    "StatementLine",
    "SurveyDefinition",
    "SyntheticApplicant",
    "Titles",
    "ValidationFailed",
    "VoucherRules",
    "WaveDraw",
    "WaveRules",
    "draw_key",
    "hookimpl",
    "plugin_settings",
    "same_name",
    "ticket",
    "today_in",
    "validate_plugin_settings",
    "weighted_order",
]

SettingsModel = TypeVar("SettingsModel", bound=BaseModel)

# Hooks called once per applicant ask for their settings each time: a table is validated
# once per model and content (the key is the table's canonical JSON, each value tagged
# with its type so that a date and the string spelling it never share an entry).
_VALIDATED: dict[tuple[type[BaseModel], str, str], BaseModel] = {}
_MAX_CACHED = 64


def _typed(value: object) -> str:
    return f"{type(value).__name__}:{value}"


def validate_plugin_settings(
    name: str, table: Mapping[str, Any], model: type[SettingsModel]
) -> SettingsModel:
    """Validate the settings ``table`` of the plugin ``name`` with the pydantic ``model``.

    :raises ConfigurationError: ``plugin_settings.<name>: <field>: <problem>``, one
        ``field: problem`` per error, separated by ``;``.
    """
    key = (model, name, json.dumps(table, sort_keys=True, default=_typed))
    cached = _VALIDATED.get(key)
    if isinstance(cached, model):
        return cached
    try:
        settings = model.model_validate(dict(table))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(table)'}: {e['msg']}" for e in exc.errors())
        raise ConfigurationError(f"plugin_settings.{name}: {problems}") from exc
    if len(_VALIDATED) >= _MAX_CACHED:
        _VALIDATED.clear()
    _VALIDATED[key] = settings
    return settings


def plugin_settings(programme: ProgrammeConfig, name: str, model: type[SettingsModel]) -> SettingsModel:
    """The programme's ``[plugin_settings.<name>]`` table, validated with the pydantic ``model``.

    An absent table validates as empty, so a model whose fields all have defaults needs
    none. Call it from ``skillsprogram_check_settings`` so that a mistyped setting fails
    when the configuration is loaded, and wherever a hook needs its settings.

    :raises ConfigurationError: naming the plugin, each field at fault and its problem.
    """
    return validate_plugin_settings(name, programme.settings_for(name), model)
