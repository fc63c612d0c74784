"""Eligibility rules that ask another registry: each rule's check gets, for a whole chunk of
applicants, only the personal values the rule declared it needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import Finding, RegistryField, RegistryRule, RegistrySubject
from skillsprogram.errors import ConfigurationError

FIELDS: frozenset[str] = frozenset(get_args(RegistryField))


def declared_rules(ctx: ProgrammeContext) -> list[RegistryRule]:
    """Every registry rule the enabled plugins declare, each checked for what it asks."""
    rules = [
        rule
        for contribution in ctx.hook.skillsprogram_registry_rules(programme=ctx.config)
        for rule in contribution
    ]
    for rule in rules:
        unknown = sorted(set(rule.needs) - FIELDS)
        if unknown:
            raise ConfigurationError(
                f"registry rule {rule.rule!r} needs {unknown}, which the core does not hand out "
                f"(it may ask for {sorted(FIELDS)})"
            )
    return rules


def needed_fields(rules: Sequence[RegistryRule]) -> frozenset[str]:
    """The fields at least one rule needs: the only ones worth reading (and decrypting)."""
    return frozenset(field for rule in rules for field in rule.needs)


def only_declared(subject: RegistrySubject, rule: RegistryRule) -> RegistrySubject:
    """``subject`` with every field the rule did not declare left out."""
    return RegistrySubject(subject.application_id, **{field: getattr(subject, field) for field in rule.needs})


def registry_findings(
    ctx: ProgrammeContext, rules: Sequence[RegistryRule], subjects: Sequence[RegistrySubject]
) -> list[Finding]:
    """Ask each rule's check about the chunk once; a finding for each application failing it.

    :raises ConfigurationError: when no plugin answers for a declared rule.
    """
    findings: list[Finding] = []
    for rule in rules:
        failing = ctx.hook.skillsprogram_check_registry(
            rule=rule.rule,
            subjects=[only_declared(subject, rule) for subject in subjects],
            programme=ctx.config,
            clock=ctx.clock,
        )
        if failing is None:
            raise ConfigurationError(f"no enabled plugin checks the registry rule {rule.rule!r}")
        findings += [Finding(app_id, rule.rule, False, reason) for app_id, reason in failing.items()]
    return findings
