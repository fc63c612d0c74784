"""Who belongs to each inclusion group the configuration defines (``[[reports.inclusion]]``),
as ``WHERE`` conditions on applications (and their people) for the tally rebuild."""

from __future__ import annotations

from typing import Any

from sqlalchemy import extract
from sqlmodel import col

from skillsprogram.config import InclusionGroup
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import Application, Person
from skillsprogram.errors import ConfigurationError
from skillsprogram.services.figures.scope import Regions
from skillsprogram.services.registration import attribute_schema

#: Columns of an application or its person a group may read besides the declared attributes.
COLUMNS: dict[str, Any] = {
    "sex": Person.sex,
    "occupation": Application.occupation,
    "in_education": Application.in_education,
}


def check_groups(ctx: ProgrammeContext) -> None:
    """Refuse an inclusion group reading an attribute nobody declares, naming it and the
    attributes there are."""
    known = set(COLUMNS) | set(attribute_schema(ctx))
    for group in ctx.config.reports.inclusion:
        if group.attribute is not None and group.attribute not in known:
            raise ConfigurationError(
                f"inclusion group {group.code!r} reads the attribute {group.attribute!r}, which no "
                f"plugin declares; the attributes are {sorted(known)}",
                code="unknown-attribute",
                attribute=group.attribute,
            )


def conditions(group: InclusionGroup, regions: Regions) -> tuple[list[Any], bool]:
    """The ``WHERE`` putting an application in ``group``, and whether it reads the person."""
    found: list[Any] = []
    person = False
    if group.attribute is not None:
        column: Any
        if group.attribute in COLUMNS:
            column = col(COLUMNS[group.attribute])
        else:
            value = col(Application.attributes)[group.attribute]
            first = group.values[0]
            column = (
                value.as_boolean()
                if isinstance(first, bool)
                else value.as_integer()
                if isinstance(first, int)
                else value.as_string()
            )
        person = person or group.attribute == "sex"
        found.append(column.in_(list(group.values)))
    if group.region_tag is not None:
        tagged = {code for code, tags in regions.tags.items() if group.region_tag in tags}
        codes = set().union(*(regions.within(code) for code in tagged)) if tagged else set()
        found.append(col(Application.region_code).in_(sorted(codes)))
    if group.age is not None:
        person = True
        age = extract("year", col(Application.registered_at)) - extract("year", col(Person.birth_date))
        found.append(age.between(*group.age))
    return found, person
