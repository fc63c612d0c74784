"""The plugin-values page (``docs/plugin-values.md``): every name of
:mod:`skillsprogram.plugin` a hook receives or returns, with each field's type and meaning.

A field's meaning is the docstring written under it in the class (a test fails when a
field has none), its type the annotation as written.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
import textwrap
from collections.abc import Iterator
from enum import Enum
from typing import Any, Literal, Protocol, get_args, get_origin

from pydantic import BaseModel

from skillsprogram import plugin
from skillsprogram.reference.markdown import cell, code, docstring, first_sentence, table, type_text

GENERATOR = "python -m skillsprogram.reference plugin-values"

# A default that is a function prints with its address, which changes from run to run.
_ADDRESS = re.compile(r"<function (\S+) at 0x[0-9a-f]+>")


def attribute_docs(cls: type) -> dict[str, str]:
    """The docstring written under each annotated attribute of ``cls`` (and its bases)."""
    found: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__ in ("builtins", "typing"):
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for statement, following in zip(body, [*body[1:], None], strict=True):
            if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)):
                continue
            if (
                isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                found[statement.target.id] = inspect.cleandoc(following.value.value)
    return found


def _is_protocol(value: object) -> bool:
    return isinstance(value, type) and Protocol in getattr(value, "__mro__", ()) and value is not Protocol


def _literal_values(value: object) -> tuple[Any, ...] | None:
    return get_args(value) if get_origin(value) is Literal else None


def fields(cls: type) -> list[tuple[str, str, str]]:
    """``(name, type, meaning)`` of every field of a dataclass or protocol."""
    notes = attribute_docs(cls)
    annotations: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        annotations.update(vars(klass).get("__annotations__", {}))
    names = [f.name for f in dataclasses.fields(cls)] if dataclasses.is_dataclass(cls) else list(annotations)
    return [(name, type_text(str(annotations[name])), notes.get(name, "")) for name in names]


def _methods(cls: type) -> Iterator[tuple[str, str, str]]:
    for name, member in vars(cls).items():
        if inspect.isfunction(member) and not name.startswith("_"):
            signature = type_text(
                str(inspect.signature(member)).replace("self, ", "").replace("(self)", "()")
            )
            yield name, signature, first_sentence(member)


def _section(name: str, value: object) -> list[str]:
    lines = [f"## `{name}`", ""]
    literal = _literal_values(value)
    if literal is not None:
        values = ", ".join(code(repr(v).replace("'", '"')) for v in literal)
        return [*lines, f"One of {values}.", ""]
    if get_origin(value) is not None or type(value).__name__ == "UnionType":
        return [*lines, f"Any of {code(type_text(str(value)))}.", ""]
    if isinstance(value, type) and issubclass(value, BaseModel):
        return [
            *lines,
            first_sentence(value),
            "",
            "Its keys: [configuration reference](configuration.md).",
            "",
        ]
    lines += [docstring(value), ""]
    if isinstance(value, type) and issubclass(value, Enum):
        lines += table(["value", "meaning"], [[code(str(m.value)), code(m.name)] for m in value])
        return [*lines, ""]
    if isinstance(value, type) and (dataclasses.is_dataclass(value) or _is_protocol(value)):
        rows = [[code(n), code(t), cell(meaning)] for n, t, meaning in fields(value)]
        if rows:
            lines += [*table(["field", "type", "meaning"], rows), ""]
        methods = [[code(n), code(s), cell(meaning)] for n, s, meaning in _methods(value)]
        if methods:
            lines += [*table(["method", "signature", "what it does"], methods), ""]
    elif inspect.isfunction(value):
        signature = _ADDRESS.sub(r"\1", type_text(str(inspect.signature(value))))
        lines[2:2] = [f"```python\n{name}{signature}\n```", ""]
    return lines


def boundary_names() -> list[str]:
    """The names of :mod:`skillsprogram.plugin` documented here, in the module's order."""
    return sorted(plugin.__all__, key=lambda name: (not name[0].isupper(), name))


def render_markdown() -> str:
    """The plugin-values page as Markdown."""
    lines = [
        "# Values that cross the plugin boundary",
        "",
        f"<!-- generated by `{GENERATOR}` from src/skillsprogram/plugin.py -->",
        "",
        "Everything a plugin imports from the core, in one module: `from skillsprogram.plugin import ...`.",
        "Hooks receive and return the small frozen dataclasses below; every field is listed with",
        "its type and meaning. The hooks themselves are in the [hook reference](hooks.md), the",
        "programme's configuration (the `programme` every hook receives) in the",
        "[configuration reference](configuration.md), and the rule ids, notification templates",
        "and event data of the core in [events, rules and notifications](events.md).",
        "",
    ]
    for name in boundary_names():
        lines += _section(name, getattr(plugin, name))
    return "\n".join(lines).rstrip() + "\n"
