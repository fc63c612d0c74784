"""The console's budget what-if: two or three scenarios side by side, run in memory on
the programme's own rules (:mod:`skillsprogram.budgeting`), answered as tables.

The form is sent with ``GET`` (it changes nothing), so a comparison is a link an officer
can share. Each field is read by the parser the command line uses; a field it refuses
gets its message beside it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from skillsprogram.api.deps import reading
from skillsprogram.budgeting import Scenario, Settings, baseline, comparison, simulate
from skillsprogram.budgeting.scenarios import KEYS, from_mapping
from skillsprogram.config import ProgrammeConfig
from skillsprogram.errors import DomainError
from skillsprogram.i18n import N_
from skillsprogram.money import parse_amount
from skillsprogram.web.forms import FieldErrors
from skillsprogram.web.rendering import translate
from skillsprogram.web.staff import render_console, signed_in_staff

router = APIRouter(include_in_schema=False, prefix="/console")

#: Scenarios the page compares.
COLUMNS = 3
#: The settings a page may set, with their bounds (a page answers in a moment).
LIMITS = {"applicants": (0, 100_000_000), "waves": (1, 24), "wave_days": (1, 365), "seed": (0, 2**31)}
#: Synthetic people per wave the page runs the rules on.
SAMPLE = 1_000
SCENARIO_KEYS = ("name", "voucher", "incentive", "quota", "take_up", "completion")


@router.get("/what-if")
def what_if(request: Request) -> Response:
    """The form, prefilled from the programme's configuration; with ``run`` in the query,
    the comparison below it."""
    principal = signed_in_staff(request, "reports:read")
    if isinstance(principal, Response):
        return principal
    with reading(request.app.state.api, principal) as (_uow, ctx):
        config, hook = ctx.config, ctx.hook
    query = {k: v.strip() for k, v in request.query_params.items()}
    values = prefilled(config) | query if "run" in query else prefilled(config)
    shown: dict[str, Any] = {
        "values": values,
        "columns": range(1, COLUMNS + 1),
        "placeholders": placeholders(config),
        "tables": [],
    }
    if "run" not in query:
        return render_console(request, principal, "console/what_if.html", shown)
    errors: dict[str, str] = {}
    settings = _settings(request, config, values, errors)
    base = baseline(config, int(values.get("applicants") or 0) if "applicants" not in errors else 0)
    scenarios = _scenarios(request, config, base, values, errors)
    if not errors and not scenarios:
        errors["s1_name"] = translate(request, N_("Name at least one scenario."))
    if errors or settings is None:
        return render_console(
            request, principal, "console/what_if.html", {**shown, "errors": FieldErrors(errors)}, 422
        )
    try:
        outcomes = simulate(config, hook, scenarios, settings)
    except DomainError as error:
        return render_console(
            request,
            principal,
            "console/what_if.html",
            {**shown, "errors": FieldErrors({"form": error.message})},
            422,
        )
    tables = comparison(outcomes, settings, config.currency)
    return render_console(request, principal, "console/what_if.html", {**shown, "tables": tables})


def prefilled(config: ProgrammeConfig) -> dict[str, str]:
    """The form as the configuration fills it: the first scenario is the configuration."""
    base = baseline(config)
    return {
        "applicants": str(base.applicants),
        "waves": "6",
        "wave_days": "30",
        "seed": "1",
        "budget": "",
        "s1_name": "configured",
    }


def placeholders(config: ProgrammeConfig) -> dict[str, str]:
    """What a scenario's empty field stands for: the configuration's value, in the major unit."""
    base = baseline(config)
    digits = config.programme.currency_minor_units()
    incentive = next(
        (b for b in config.benefits if b.trigger.value in ("first_course_completed", "first_course_rated")),
        None,
    )
    return {
        "voucher": _major(base.voucher, digits),
        "incentive": f"{_major(incentive.amount, digits)}x{incentive.instalments}" if incentive else "",
        "quota": str(base.quota),
        "take_up": str(base.take_up),
        "completion": str(base.completion),
    }


def _settings(
    request: Request, config: ProgrammeConfig, values: dict[str, str], errors: dict[str, str]
) -> Settings | None:
    numbers: dict[str, int] = {}
    for key, (low, high) in LIMITS.items():
        text = values.get(key, "").replace(",", "").replace("_", "")
        if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
            errors[key] = translate(
                request, N_("A whole number from %(low)s to %(high)s."), low=low, high=high
            )
        else:
            numbers[key] = int(text)
    budget = None
    if values.get("budget"):
        budget = parse_amount(values["budget"], config.programme.currency_minor_units())
        if not budget:
            errors["budget"] = translate(request, N_("An amount above zero."))
    if errors:
        return None
    return Settings(numbers["waves"], numbers["seed"], SAMPLE, budget, numbers["wave_days"])


def _scenarios(
    request: Request, config: ProgrammeConfig, base: Scenario, values: dict[str, str], errors: dict[str, str]
) -> list[Scenario]:
    """The named scenarios of the form; each refused field's message under its name."""
    digits = config.programme.currency_minor_units()
    chosen: list[Scenario] = []
    for column in range(1, COLUMNS + 1):
        name = values.get(f"s{column}_name", "")
        fields = {k: values[f"s{column}_{k}"] for k in KEYS if values.get(f"s{column}_{k}")}
        if not name:
            if fields:
                errors[f"s{column}_name"] = translate(request, N_("Name this scenario, or empty its fields."))
            continue
        for key, value in {"name": name, **fields}.items():
            try:
                from_mapping({"name": name, **({key: value} if key != "name" else {})}, base, digits)
            except DomainError as error:
                errors[f"s{column}_{key}"] = error.message
        if not any(f"s{column}_" in key for key in errors):
            chosen.append(from_mapping({"name": name, **fields}, base, digits))
    names = [s.name for s in chosen]
    for column in range(1, COLUMNS + 1):
        if names.count(values.get(f"s{column}_name", "")) > 1:
            errors[f"s{column}_name"] = translate(request, N_("Another scenario has this name."))
    return chosen


def _major(amount: int, digits: int) -> str:
    whole, fraction = divmod(amount, 10**digits)
    return f"{whole}.{fraction:0{digits}d}" if digits and fraction else str(whole)
