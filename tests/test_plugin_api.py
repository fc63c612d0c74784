"""``skillsprogram.plugin`` is the one import of plugin authors, and the packages here keep to it."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field

import skillsprogram.plugin as api
from skillsprogram.config import parse_config
from skillsprogram.scaffold import CountrySpec, new_country

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = "skillsprogram.plugin"


def core_imports_other_than_the_plugin_api(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import of a core module other than ``skillsprogram.plugin``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
            if node.module == "skillsprogram":
                modules = [f"skillsprogram.{alias.name}" for alias in node.names]
        else:
            continue
        for module in modules:
            if (module == "skillsprogram" or module.startswith("skillsprogram.")) and module != ALLOWED:
                found.append((node.lineno, module))
    return sorted(found)


def package_sources() -> list[Path]:
    return sorted(
        [*ROOT.glob("examples/*/src/**/*.py"), *ROOT.glob("plugins/*/src/**/*.py")],
    )


def test_the_import_check_names_each_core_module_other_than_the_api() -> None:
    source = (
        "import json\n"
        "from skillsprogram.plugin import hookimpl\n"
        "from skillsprogram.domain.exchange import Finding\n"
        "def f():\n"
        "    import skillsprogram.config\n"
        "from skillsprogram import errors\n"
        "from skillsprogram_cambodia import rules\n"
    )
    assert core_imports_other_than_the_plugin_api(source) == [
        (3, "skillsprogram.domain.exchange"),
        (5, "skillsprogram.config"),
        (6, "skillsprogram.errors"),
    ]


def test_examples_and_plugins_import_from_the_core_only_the_plugin_api() -> None:
    sources = package_sources()
    assert len(sources) > 20, "the example and plugin sources were not found"
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sources
        for line, module in core_imports_other_than_the_plugin_api(path.read_text(encoding="utf-8"))
    ]
    assert not offending, "import these from skillsprogram.plugin instead:\n" + "\n".join(offending)


def test_the_scaffolded_package_imports_from_the_core_only_the_plugin_api(tmp_path: Path) -> None:
    written = new_country(CountrySpec("testland"), tmp_path / "pkg")
    sources = [path for path in written if path.suffix == ".py" and "src" in path.parts]
    assert sources
    for path in sources:
        assert core_imports_other_than_the_plugin_api(path.read_text(encoding="utf-8")) == [], path


@pytest.mark.parametrize("name", api.__all__)
def test_every_exported_name_resolves_and_is_documented(name: str) -> None:
    value = getattr(api, name)
    assert f"``{name}``" in (api.__doc__ or ""), f"the module docstring does not list {name}"
    if inspect.isclass(value) or inspect.isfunction(value):
        assert inspect.getdoc(value), f"{name} has no docstring"


def test_the_api_exports_the_names_a_plugin_needs_and_no_duplicates() -> None:
    assert len(set(api.__all__)) == len(api.__all__)
    public = {n for n in vars(api) if not n.startswith("_") and n not in {"annotations"}}
    imported_helpers = {"json", "Mapping", "Any", "TypeVar", "BaseModel", "ValidationError", "SettingsModel"}
    assert public - imported_helpers == set(api.__all__)


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    digits: int = Field(default=10, ge=4)
    label: str = "x"


def _programme(table: dict[str, object] | None) -> api.ProgrammeConfig:
    data: dict[str, object] = {
        "programme": {"code": "p", "name": "P", "country": "XX", "currency": "USD"},
        "voucher": {"amount": 100, "first_purchase_days": 30},
    }
    if table is not None:
        data["plugin_settings"] = {"testland": table}
    return parse_config(data)


def test_plugin_settings_returns_the_validated_table_and_defaults_when_absent() -> None:
    assert api.plugin_settings(_programme({"digits": 12}), "testland", _Settings) == _Settings(digits=12)
    assert api.plugin_settings(_programme(None), "testland", _Settings) == _Settings()


def test_plugin_settings_names_the_plugin_each_field_and_its_problem() -> None:
    with pytest.raises(api.ConfigurationError) as refused:
        api.plugin_settings(_programme({"digits": 2, "lable": "y"}), "testland", _Settings)
    message = str(refused.value)
    assert "plugin_settings.testland: " in message
    assert "digits: Input should be greater than or equal to 4" in message
    assert "lable: Extra inputs are not permitted" in message


def test_plugin_settings_validates_a_table_again_when_its_content_changes() -> None:
    assert api.validate_plugin_settings("testland", {"digits": 5}, _Settings).digits == 5
    assert api.validate_plugin_settings("testland", {"digits": 6}, _Settings).digits == 6
    with pytest.raises(api.ConfigurationError, match="digits"):
        api.validate_plugin_settings("testland", {"digits": "5x"}, _Settings)
