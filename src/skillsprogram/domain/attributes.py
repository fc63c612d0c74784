"""The registration attributes a programme's plugins declare, and the check of a declaration.

Plugins say which ``attributes`` their rules read (``skillsprogram_registration_attributes``);
registration holds every request to that schema, so that a person missing an attribute a
rule needs is refused on the spot, with the field named, instead of being registered and
judged ineligible later for what they were never asked.

Attributes no plugin declares are refused too: nothing reads them, so a value stored under
a misspelt name would be ignored in silence while the applicant believed it declared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from skillsprogram.domain.exchange import AttributeSpec, AttributeValue
from skillsprogram.errors import ConfigurationError, ValidationFailed

_PYTHON_TYPES = {"string": str, "integer": int, "boolean": bool}


def schema_of(declarations: Iterable[Iterable[AttributeSpec]]) -> dict[str, AttributeSpec]:
    """One schema from every plugin's declarations (the collecting hook's answers), by name.

    Two plugins may declare the same attribute only alike in type; the first declaration
    (the later-registered plugin's) gives the labels, and the attribute is required when
    either requires it.
    """
    schema: dict[str, AttributeSpec] = {}
    for declared in declarations:
        for spec in declared:
            known = schema.get(spec.name)
            if known is None:
                schema[spec.name] = spec
                continue
            if known.type != spec.type:
                raise ConfigurationError(
                    f"registration attribute {spec.name!r} is declared as {known.type} and as {spec.type}"
                )
            if spec.required and not known.required:
                schema[spec.name] = AttributeSpec(
                    known.name, known.type, known.labels, True, known.choices or spec.choices
                )
    return schema


def _is_of_type(value: object, kind: str) -> bool:
    if kind != "boolean" and isinstance(value, bool):
        return False  # True is an int to Python, never an integer or a string to an applicant
    return isinstance(value, _PYTHON_TYPES[kind])


def _allowed(spec: AttributeSpec) -> str:
    return ", ".join(repr(choice.value) for choice in spec.choices)


def check_attributes(schema: Mapping[str, AttributeSpec], attributes: Mapping[str, object]) -> None:
    """Refuse a declaration that lacks a required attribute, gives one of the wrong type or
    outside its choices, or gives one no plugin reads; the error names ``attributes.<name>``."""
    for name in attributes:
        if name not in schema:
            readable = ", ".join(sorted(schema)) or "none"
            raise ValidationFailed(
                f"unknown attribute {name!r}: this programme reads {readable}",
                code="unknown-attribute",
                field=f"attributes.{name}",
            )
    for name, spec in schema.items():
        field = f"attributes.{name}"
        if name not in attributes:
            if spec.required:
                hint = f": one of {_allowed(spec)}" if spec.choices else f" ({spec.type})"
                raise ValidationFailed(
                    f"attribute {name!r} is required{hint}", code="missing-attribute", field=field
                )
            continue
        value = attributes[name]
        if not _is_of_type(value, spec.type):
            raise ValidationFailed(
                f"attribute {name!r} must be a {spec.type}", code="invalid-attribute", field=field
            )
        if spec.choices and not any(_same(value, choice.value) for choice in spec.choices):
            raise ValidationFailed(
                f"attribute {name!r} must be one of {_allowed(spec)}", code="invalid-attribute", field=field
            )


def _same(value: object, choice: AttributeValue) -> bool:
    return type(value) is type(choice) and value == choice


def label(labels: Mapping[str, str], locale: str, fallback: str) -> str:
    """The text for ``locale``, else English, else any, else ``fallback``."""
    return labels.get(locale) or labels.get("en") or next(iter(labels.values()), fallback)
