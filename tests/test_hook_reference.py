"""The hook reference in docs/ is generated from the hookspec docstrings and kept current."""

from __future__ import annotations

import inspect
from pathlib import Path

from skillsprogram.hooks import specs
from skillsprogram.hooks.reference import hook_names, render_markdown

DOCS = Path(__file__).parents[1] / "docs" / "hooks.md"


def test_every_hook_has_a_docstring_that_says_what_to_return() -> None:
    for name in hook_names():
        doc = inspect.getdoc(getattr(specs, name)) or ""
        assert len(doc) > 80, name
        assert "return" in doc.lower() or "called" in doc.lower(), name


def test_docs_hook_reference_matches_the_specifications() -> None:
    assert DOCS.read_text() == render_markdown(), (
        "docs/hooks.md is stale: run `python -m skillsprogram.hooks.reference > docs/hooks.md`"
    )
