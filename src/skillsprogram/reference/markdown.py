"""Small Markdown pieces the generated reference pages share."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable, Sequence

from skillsprogram.hooks.reference import to_markdown

_QUALIFIED = re.compile(r"\b(?:[a-z_]+\.)+([A-Za-z_]+)")


def cell(text: str) -> str:
    """``text`` made safe for one cell of a Markdown table (one line, pipes escaped)."""
    return " ".join(text.split()).replace("|", "\\|")


def code(text: str) -> str:
    """``text`` as inline code, safe in a table cell."""
    return f"`{cell(text)}`"


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A Markdown table's lines."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def type_text(annotation: str) -> str:
    """An annotation as written in the source, without module prefixes (``typing.Any`` → ``Any``)."""
    return _QUALIFIED.sub(r"\1", annotation.replace("'", '"'))


def docstring(obj: object) -> str:
    """The object's docstring as Markdown (empty when it has none)."""
    return to_markdown(inspect.getdoc(obj) or "")


def first_sentence(obj: object) -> str:
    """The first sentence of the object's docstring, on one line."""
    text = " ".join((inspect.getdoc(obj) or "").split("\n\n")[0].split())
    end = text.find(". ")
    return to_markdown(text if end < 0 else text[: end + 1])
