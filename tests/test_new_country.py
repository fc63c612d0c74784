"""``skillsprogram new-country`` scaffolds a package that installs, passes its own tests and runs a demo."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skillsprogram.bootstrap import country_configs
from skillsprogram.errors import ConfigurationError
from skillsprogram.i18n import Catalogues
from skillsprogram.i18n.extraction import CataloguePackage, core_package, extract, problems
from skillsprogram.scaffold import CountrySpec, new_country
from tests.support.scratch_venv import ScratchEnvironment, scratch_environment

NAME = "scaffoldia"


@pytest.fixture
def scratch(tmp_path: Path) -> ScratchEnvironment:
    """A virtual environment of the test's own over the suite's: what is installed there leaves
    the suite's environment, which tests running beside this one read, as it was."""
    return scratch_environment(tmp_path / "venv")


@pytest.fixture
def installed_package(tmp_path: Path, scratch: ScratchEnvironment) -> Path:
    """A scaffolded package installed into the scratch environment."""
    from skillsprogram.cli.main import app

    package = tmp_path / "package"
    result = CliRunner().invoke(
        app, ["new-country", NAME, "--directory", str(package), "--currency", "XOF", "--minor-units", "0"]
    )
    assert result.exit_code == 0, result.output
    pip = [str(scratch.python), "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "install", "--no-deps", "--no-build-isolation", str(package)], check=True)
    return package


def test_a_scaffolded_country_installs_passes_its_own_tests_and_runs_a_demo_wave(
    installed_package: Path, scratch: ScratchEnvironment, tmp_path: Path
) -> None:
    env = scratch.environ(SKILLSPROGRAM_HOME=str(tmp_path / "home"))
    own_tests = subprocess.run(
        [str(scratch.python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=installed_package,
        env=env,
        capture_output=True,
        text=True,
    )
    assert own_tests.returncode == 0, own_tests.stdout + own_tests.stderr
    assert "6 passed" in own_tests.stdout
    demo = subprocess.run(
        [str(scratch.bin / "skillsprogram"), "demo", "--country", NAME, "--applicants", "200", "--seed", "3"],
        env={**env, "COLUMNS": "160"},
        capture_output=True,
        text=True,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "Programme funnel" in demo.stdout and f"{NAME}.excluded_occupation" in demo.stdout
    assert "XOF" in demo.stdout
    assert NAME not in country_configs(), "the suite's own environment is left as it was"


def test_the_scaffold_refuses_a_name_a_package_cannot_carry(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not a usable country name"):
        new_country(CountrySpec("Timor Leste"), tmp_path / "x")


def test_the_scaffold_refuses_a_locale_that_is_no_language_code(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not a locale"):
        new_country(CountrySpec("timor_leste", locale="Tetum!"), tmp_path / "x")


def test_the_scaffold_writes_a_catalogue_of_the_programmes_language_holding_the_plugins_texts(
    tmp_path: Path,
) -> None:
    written = new_country(CountrySpec("timor_leste", locale="pt-TL"), tmp_path / "pkg")
    source = tmp_path / "pkg" / "src" / "skillsprogram_timor_leste"
    po = source / "locale" / "pt_TL" / "LC_MESSAGES" / "skillsprogram.po"
    assert po in written and source / "locale" / "skillsprogram.pot" in written
    found = problems(CataloguePackage(source), extract(core_package().source))
    catalogue = "skillsprogram_timor_leste/locale/pt_TL/LC_MESSAGES/skillsprogram.po"
    assert found == [
        f"{catalogue}: untranslated 'Priority applicant'",
        f"{catalogue}: untranslated 'excluded occupation: %(occupation)s'",
    ]  # ready to translate; nothing missing
    po.write_text(
        po.read_text(encoding="utf-8").replace(
            'msgid "Priority applicant"\nmsgstr ""',
            'msgid "Priority applicant"\nmsgstr "Candidato prioritário"',
        ),
        encoding="utf-8",
    )
    assert Catalogues([source / "locale"], ["pt-TL"]).gettext("pt-TL", "Priority applicant") == (
        "Candidato prioritário"
    )
    plugin = (source / "plugin.py").read_text(encoding="utf-8")
    assert "def skillsprogram_message_catalogues" in plugin and "return [CATALOGUES]" in plugin


def test_the_scaffold_never_writes_over_an_existing_package(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    with pytest.raises(ConfigurationError, match="not empty"):
        new_country(CountrySpec("timor_leste"), tmp_path)
    assert (tmp_path / "pyproject.toml").read_text() == "[project]\n"


def test_every_generated_hook_docstring_says_what_to_replace(tmp_path: Path) -> None:
    new_country(CountrySpec("timor_leste"), tmp_path / "pkg")
    source = (tmp_path / "pkg" / "src" / "skillsprogram_timor_leste" / "plugin.py").read_text()
    hooks = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef) and node.name.startswith("skillsprogram_")
    ]
    assert len(hooks) >= 7
    for hook in hooks:
        doc = ast.get_docstring(hook) or ""
        assert "Replace" in doc or "Keep as is" in doc, hook.name


def test_the_closing_hint_of_new_country_installs_tests_and_runs_the_package_when_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scratch: ScratchEnvironment
) -> None:
    from skillsprogram.cli.main import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["new-country", "hintland"])
    assert result.exit_code == 0, result.output
    hint = result.output.splitlines()[-1]
    assert hint.startswith("Next: ") and "'skillsprogram-hintland[test]'" in hint
    env = scratch.environ(
        PIP_NO_BUILD_ISOLATION="0",  # pip's spelling of --no-build-isolation: no download here
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        SKILLSPROGRAM_HOME=str(tmp_path / "home"),
        COLUMNS="160",
    )
    followed = subprocess.run(
        ["bash", "-c", hint.removeprefix("Next: ")], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert followed.returncode == 0, followed.stdout + followed.stderr
    assert "6 passed" in followed.stdout and "Programme funnel" in followed.stdout
    assert "hintland" not in country_configs(), "the suite's own environment is left as it was"
