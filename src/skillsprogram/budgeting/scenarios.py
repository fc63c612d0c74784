"""What a what-if compares: scenarios, each the programme's configuration with a few
numbers changed, and the settings every scenario of a run shares.

A scenario is written on one line (``"big voucher: voucher=3500000 incentive=600000x3
quota=200000 take_up=0.9 completion=0.8"``) or as a ``[[scenarios]]`` table of a TOML
file with the same keys. Amounts are typed in the currency's major unit, as officers
read them; every key left out keeps the configuration's value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skillsprogram.config import BenefitTrigger, ProgrammeConfig, read_toml
from skillsprogram.errors import ConfigurationError
from skillsprogram.money import parse_amount

#: The triggers of the benefit a scenario's ``incentive`` changes: the post-training incentive.
INCENTIVE_TRIGGERS = (BenefitTrigger.FIRST_COURSE_COMPLETED, BenefitTrigger.FIRST_COURSE_RATED)

#: The keys a scenario may set, and what each means (shown in errors and the docs).
KEYS = {
    "voucher": "the voucher's balance (an amount)",
    "incentive": "the post-training incentive, AMOUNTxINSTALMENTS (600000x4) or AMOUNT",
    "quota": "places per wave (a whole number; default: the configuration's share of the applicants)",
    "applicants": "applicants per wave (a whole number)",
    "take_up": "share of recipients who buy a course (0 to 1)",
    "completion": "share of buyers who complete it (0 to 1)",
}
_NAME = re.compile(r"^[^:=]{1,40}$")


@dataclass(frozen=True, slots=True)
class Scenario:
    """One scenario; amounts in the currency's minor unit."""

    name: str
    voucher: int
    """The voucher's balance at issue."""
    incentive: tuple[int, int] | None
    """(amount, instalments) of the post-training incentive; ``None`` keeps the schedule's."""
    quota: int
    """Places per wave."""
    applicants: int
    """Applicants per wave."""
    take_up: float
    """Share of recipients who buy a course."""
    completion: float
    """Share of buyers who complete it."""
    quota_share: float | None = None
    """Places as a share of applicants, when the places follow the applicants (the
    configuration's ``[demo] wave_quota_share`` while no scenario fixes ``quota``)."""


@dataclass(frozen=True, slots=True)
class Settings:
    """What every scenario of a run shares."""

    waves: int = 6
    seed: int = 1
    sample: int = 2_000
    """Synthetic people per wave the rules are run on (the figures are scaled up from them)."""
    budget: int | None = None
    """The budget to spend, in the minor unit (``None``: no time-to-spend figure)."""
    wave_days: int = 30
    """Days from one wave to the next."""

    def __post_init__(self) -> None:
        if not 1 <= self.waves <= 120:
            raise ConfigurationError("waves must be between 1 and 120")
        if not 10 <= self.sample <= 100_000:
            raise ConfigurationError("sample must be between 10 and 100,000 people per wave")
        if self.budget is not None and self.budget <= 0:
            raise ConfigurationError("the budget must be above zero")
        if self.wave_days < 1:
            raise ConfigurationError("wave days must be at least 1")


def baseline(config: ProgrammeConfig, applicants: int = 100_000, name: str = "configured") -> Scenario:
    """The scenario the configuration itself describes: its voucher and benefit schedule,
    its fixed places (else ``[demo] wave_quota_share`` of the applicants) and its
    ``[demo]`` purchase and completion rates."""
    if applicants < 0:
        raise ConfigurationError("applicants cannot be negative")
    fixed = sum(config.waves.fixed_quotas.values())
    quota = fixed or round(applicants * config.demo.wave_quota_share)
    return Scenario(
        name=name,
        voucher=config.voucher.amount,
        incentive=None,
        quota=quota,
        applicants=applicants,
        take_up=config.demo.purchase_rate,
        completion=config.demo.completion_rate,
        quota_share=None if fixed else config.demo.wave_quota_share,
    )


def parse_scenario(text: str, base: Scenario, digits: int) -> Scenario:
    """A scenario from one line ``"NAME: key=value key=value"`` (the name and its colon
    may be left out); ``digits`` are the decimals amounts are counted in."""
    name, colon, rest = text.partition(":")
    if not colon:
        name, rest = "", text
    values: dict[str, str] = {}
    for item in rest.split():
        key, equals, value = item.partition("=")
        if not equals or not value:
            raise ConfigurationError(f"scenario {text!r}: {item!r} is not key=value")
        values[key.strip()] = value.strip()
    return from_mapping({"name": name.strip() or _name_of(values), **values}, base, digits)


def read_scenarios(path: str | Path, base: Scenario, digits: int) -> list[Scenario]:
    """The ``[[scenarios]]`` tables of a TOML file (each with a ``name``)."""
    source = Path(path)
    data = read_toml(source, "scenarios file")
    tables = data.get("scenarios")
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        raise ConfigurationError(f"{source}: no [[scenarios]] tables")
    unknown = sorted(set(data) - {"scenarios"})
    if unknown:
        raise ConfigurationError(f"{source}: unknown top-level keys {unknown}")
    try:
        return [from_mapping(table, base, digits) for table in tables]
    except ConfigurationError as exc:
        raise ConfigurationError(f"{source}: {exc.message}") from exc


def from_mapping(values: Mapping[str, Any], base: Scenario, digits: int) -> Scenario:
    """A scenario from ``{"name": ..., key: value}`` (values as typed, text or numbers),
    every key left out taken from ``base``."""
    name = str(values.get("name", "")).strip()
    if not _NAME.match(name):
        raise ConfigurationError(f"scenario name {name!r}: 1 to 40 characters, without ':' or '='")
    unknown = sorted(set(values) - {"name", *KEYS})
    if unknown:
        known = ", ".join(f"{key} ({meaning})" for key, meaning in KEYS.items())
        raise ConfigurationError(f"scenario {name!r}: unknown {unknown}; a scenario sets {known}")
    texts = {key: str(raw).strip() for key, raw in values.items() if key != "name"}

    def where(key: str) -> str:
        return f"scenario {name!r}: {key}={texts[key]!r}"

    applicants = (
        _count(texts["applicants"], where("applicants")) if "applicants" in texts else base.applicants
    )
    share = None if "quota" in texts else base.quota_share
    if "quota" in texts:
        quota = _count(texts["quota"], where("quota"))
    else:
        quota = base.quota if share is None else round(applicants * share)

    return Scenario(
        name=name,
        voucher=_amount(texts["voucher"], digits, where("voucher"), positive=True)
        if "voucher" in texts
        else base.voucher,
        incentive=_incentive(texts["incentive"], digits, where("incentive"))
        if "incentive" in texts
        else base.incentive,
        quota=quota,
        applicants=applicants,
        take_up=_rate(texts["take_up"], where("take_up")) if "take_up" in texts else base.take_up,
        completion=_rate(texts["completion"], where("completion"))
        if "completion" in texts
        else base.completion,
        quota_share=share,
    )


def unique_names(scenarios: list[Scenario]) -> list[Scenario]:
    """``scenarios``, refused when two share a name (the comparison's columns are named by them)."""
    names = [s.name for s in scenarios]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigurationError(f"scenario names must differ: {twice} given twice")
    return scenarios


def _name_of(values: Mapping[str, str]) -> str:
    return " ".join(f"{key}={value}" for key, value in values.items())[:40] or "configured"


def _amount(text: str, digits: int, where: str, *, positive: bool = False) -> int:
    amount = parse_amount(text, digits)
    if amount is None or (positive and amount == 0):
        kind = "an amount above zero" if positive else "an amount"
        raise ConfigurationError(f"{where}: not {kind} (at most {digits} decimals)")
    return amount


def _incentive(text: str, digits: int, where: str) -> tuple[int, int]:
    amount, times, instalments = text.lower().partition("x")
    count = _count(instalments, where) if times else 1
    if not 1 <= count <= 120:
        raise ConfigurationError(f"{where}: instalments must be between 1 and 120")
    return _amount(amount, digits, where, positive=True), count


def _count(text: str, where: str) -> int:
    cleaned = text.replace(",", "").replace("_", "")
    if not cleaned.isascii() or not cleaned.isdigit() or len(cleaned) > 12:
        raise ConfigurationError(f"{where}: not a whole number")
    return int(cleaned)


def _rate(text: str, where: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        rate = -1.0
    if not 0 <= rate <= 1:
        raise ConfigurationError(f"{where}: not a share between 0 and 1")
    return rate
