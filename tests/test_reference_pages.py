"""The generated reference pages in docs/ match the code they are generated from."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from skillsprogram import plugin
from skillsprogram.reference import PAGES
from skillsprogram.reference.configuration import tables
from skillsprogram.reference.events import core_findings
from skillsprogram.reference.plugin_values import attribute_docs

DOCS = Path(__file__).parents[1] / "docs"


@pytest.mark.parametrize("page", sorted(PAGES))
def test_generated_page_matches_the_code(page: str) -> None:
    assert (DOCS / f"{page}.md").read_text(encoding="utf-8") == PAGES[page](), (
        f"docs/{page}.md is stale: run `python -m skillsprogram.reference --write docs`"
    )


def test_every_configuration_key_has_a_meaning() -> None:
    missing = [
        f"{path or '(top level)'}.{name}"
        for path, model in tables()
        for name, field in model.model_fields.items()
        if not field.description
    ]
    assert missing == []


def test_every_field_of_a_boundary_dataclass_has_a_meaning() -> None:
    missing = [
        f"{name}.{field.name}"
        for name in plugin.__all__
        if dataclasses.is_dataclass(cls := getattr(plugin, name)) and isinstance(cls, type)
        for field in dataclasses.fields(cls)
        if field.name not in attribute_docs(cls)
    ]
    assert missing == []


def test_every_core_rule_appears_on_the_events_page() -> None:
    page = (DOCS / "events.md").read_text(encoding="utf-8")
    rules = [finding.rule for finding in core_findings()]
    assert len(rules) == 4
    assert all(f"`{rule}`" in page for rule in rules)


def test_every_page_of_the_docs_is_in_the_site_navigation() -> None:
    navigation = (DOCS.parent / "mkdocs.yml").read_text(encoding="utf-8")
    assert [page.name for page in sorted(DOCS.glob("*.md")) if f" {page.name}" not in navigation] == []
