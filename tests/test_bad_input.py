"""Bad configuration and bad plugins fail at load, naming the file, the field or the plugin."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from skillsprogram.bootstrap import country_config
from skillsprogram.config import load_config
from skillsprogram.errors import ConfigurationError
from skillsprogram.hooks.manager import build_plugin_manager
from skillsprogram.hooks.specs import hookimpl


def edited(tmp_path: Path, country: str, old: str, new: str) -> Path:
    source = country_config(country).read_text(encoding="utf-8")
    assert old in source
    path = tmp_path / f"{country}-edited.toml"
    path.write_text(source.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_mistyped_core_field_names_the_file_and_the_field(tmp_path: Path) -> None:
    path = edited(tmp_path, "cambodia", 'settle_when = "redeemed"', 'settle_wen = "redeemed"')
    with pytest.raises(ConfigurationError) as caught:
        load_config(path)
    assert str(path) in caught.value.message and "provider_settlement.settle_wen" in caught.value.message


def test_a_missing_required_field_names_the_file_and_the_field(tmp_path: Path) -> None:
    path = edited(tmp_path, "cambodia", "amount = 280_000\n", "")
    with pytest.raises(ConfigurationError) as caught:
        load_config(path)
    assert str(path) in caught.value.message and "benefits.0.amount" in caught.value.message


def test_a_mistyped_plugin_setting_fails_at_load_not_at_the_first_applicant(tmp_path: Path) -> None:
    path = edited(tmp_path, "cambodia", "eligible_poverty_levels = [1, 2]", "eligible_poverty_level = [1, 2]")
    with pytest.raises(ConfigurationError) as caught:
        load_config(path)
    message = caught.value.message
    assert str(path) in message and "plugin_settings.cambodia" in message
    assert "eligible_poverty_level" in message


def test_a_bad_sandbox_setting_fails_at_load(tmp_path: Path) -> None:
    path = edited(tmp_path, "indonesia", "mismatch_rate = 0.04", "mismatch_rate = 4")
    with pytest.raises(ConfigurationError, match=r"sandbox_registry.*mismatch_rate"):
        load_config(path)


def test_a_plugin_with_a_wrong_hook_signature_is_rejected_naming_the_plugin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plugin = types.ModuleType("wrong_signature_plugin")

    @hookimpl
    def skillsprogram_rank_candidates(
        candidates: object, wave: object, programme: object, budget: int
    ) -> None:
        """Asks for an argument the hook never passes."""

    plugin.skillsprogram_rank_candidates = skillsprogram_rank_candidates  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "wrong_signature_plugin", plugin)
    with pytest.raises(ConfigurationError, match=r"(?s)wrong_signature_plugin.*budget"):
        build_plugin_manager(["wrong_signature_plugin"])


def test_a_configuration_naming_a_plugin_with_a_wrong_signature_fails_at_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin = types.ModuleType("misspelt_hook_plugin")

    @hookimpl
    def skillsprogram_rank_candidate(candidates: object) -> None:
        """A hook name that does not exist."""

    plugin.skillsprogram_rank_candidate = skillsprogram_rank_candidate  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "misspelt_hook_plugin", plugin)
    path = edited(tmp_path, "cambodia", '"cambodia", ', '"cambodia", "misspelt_hook_plugin", ')
    with pytest.raises(ConfigurationError) as caught:
        load_config(path)
    assert str(path) in caught.value.message and "misspelt_hook_plugin" in caught.value.message


def test_the_demo_asks_which_country_when_several_are_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from skillsprogram.cli.main import app

    monkeypatch.setenv("SKILLSPROGRAM_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["demo", "--applicants", "10"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "choose a country" in result.output
    assert "cambodia" in result.output and "indonesia" in result.output
