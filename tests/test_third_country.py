"""A third country written from the `new-country` scaffold and the documented API alone:
its own rule and regions, nothing installed, one wave from registration to vouchers."""

from __future__ import annotations

import ast
import json
import sys
import tomllib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skillsprogram.bootstrap import Deployment
from skillsprogram.clock import FixedClock
from skillsprogram.config import load_config
from skillsprogram.context import ProgrammeContext
from skillsprogram.settings import Settings
from skillsprogram.simulation import run_demo

NAME = "lagoonia"
PACKAGE = f"skillsprogram_{NAME}"

#: The country's own rule, written against ``skillsprogram.plugin`` only.
COASTAL_RULE = '''\
"""Lagoonia: Shell Atoll has its own fisheries training scheme, so this programme leaves it out."""

from collections.abc import Iterable, Sequence

from skillsprogram.plugin import ApplicantFacts, Finding, ProgrammeConfig, hookimpl


@hookimpl
def skillsprogram_eligibility_rules(
    applicants: Sequence[ApplicantFacts], programme: ProgrammeConfig
) -> Iterable[Finding]:
    return [
        Finding(person.application_id, "lagoonia.shell_atoll", False, "served by the fisheries scheme")
        for person in applicants
        if person.region_code == "S.2"
    ]
'''

#: Two islands (level 1) and their four atolls (level 2).
REGIONS = """\
code,name,level,parent
N,North Island,1,
S,South Island,1,
N.1,Reef Atoll,2,N
N.2,Palm Atoll,2,N
S.1,Coral Atoll,2,S
S.2,Shell Atoll,2,S
"""


@pytest.fixture
def scaffolded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The scaffolded package, on ``sys.path`` (not installed) for the length of the test."""
    from skillsprogram.cli.main import app

    package = tmp_path / "package"
    result = CliRunner().invoke(
        app, ["new-country", NAME, "--directory", str(package), "--country-code", "LG", "--currency", "EUR"]
    )
    assert result.exit_code == 0, result.output
    assert f"'{package}[test]'" in result.output.splitlines()[-1]
    source = package / "src" / PACKAGE
    (source / "coastal.py").write_text(COASTAL_RULE, encoding="utf-8")
    (source / "data" / "regions.csv").write_text(REGIONS, encoding="utf-8")
    monkeypatch.syspath_prepend(str(package / "src"))
    try:
        yield package
    finally:
        for module in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[module]


def _configuration(package: Path, tmp_path: Path) -> Path:
    """The scaffold's configuration, naming the country's modules (not installed, so no
    entry points) and the new rule."""
    path = package / "src" / PACKAGE / "configs" / "programme.toml"
    text = path.read_text(encoding="utf-8")
    plugins = tomllib.loads(text)["plugins"]
    assert plugins[0] == NAME
    enabled = [f"{PACKAGE}.plugin", f"{PACKAGE}.coastal", *plugins[1:]]
    target = tmp_path / "lagoonia.toml"
    first_line = next(line for line in text.splitlines() if line.startswith("plugins = "))
    target.write_text(text.replace(first_line, f"plugins = {json.dumps(enabled)}"), encoding="utf-8")
    return target


def _core_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    found |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return {name for name in found if name.split(".")[0] == "skillsprogram"}


def test_the_country_plugin_imports_only_the_documented_api(scaffolded: Path) -> None:
    source = scaffolded / "src" / PACKAGE
    for module in ("plugin.py", "coastal.py", "settings.py"):
        assert _core_imports(source / module) <= {"skillsprogram.plugin"}, module


def test_a_third_country_runs_a_wave_from_registration_to_vouchers(
    scaffolded: Path, tmp_path: Path, empty_database: str
) -> None:
    config = load_config(_configuration(scaffolded, tmp_path))
    deployment = Deployment.set_up(Settings(home=tmp_path / "home"), database_url=empty_database)
    clock = FixedClock(datetime.fromisoformat(config.demo.start))
    ctx = ProgrammeContext(config=config, engine=deployment.engine, vault=deployment.vault, clock=clock)
    result = run_demo(ctx, clock, 300, seed=5)

    assert result.funnel is not None
    stages = dict(result.funnel.stages)
    excluded = dict(result.funnel.ineligible_by_rule)
    assert stages["registered"] == 300
    assert excluded.get("lagoonia.shell_atoll", 0) > 0
    assert excluded.get(f"{NAME}.excluded_occupation", 0) > 0
    assert 0 < stages["selected"] <= stages["eligible"] < stages["registered"]
    assert stages["voucher issued"] == stages["selected"]
