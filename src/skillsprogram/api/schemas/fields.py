"""The building blocks every body shares: one-line and running text, codes, amounts,
and ``Body``, the base of request bodies (unknown fields refused)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints
from pydantic_core import PydanticCustomError

from skillsprogram.text import forbidden_character


def _one_line(value: str) -> str:
    return _clean(value, multiline=False)


def _running_text(value: str) -> str:
    return _clean(value, multiline=True)


def _clean(value: str, *, multiline: bool) -> str:
    found = forbidden_character(value, multiline=multiline)
    if found is not None:
        allowed = "only tabs and line breaks" if multiline else "none"
        raise PydanticCustomError(
            "forbidden_character",
            "contains {character}; control characters allowed here: {allowed}",
            {"character": found, "allowed": allowed},
        )
    return value


#: A single line of text (a name, a code, a number): no NUL, control character or lone
#: surrogate. Every string of a request (body, query, path, form) is one, or :data:`Prose`.
Line = Annotated[str, AfterValidator(_one_line)]
#: Running text (a complaint, a comment, an answer): a :data:`Line` that may hold tabs and
#: line breaks.
Prose = Annotated[str, AfterValidator(_running_text)]
#: The largest integer a ``BIGINT`` column holds.
INT64_MAX = 2**63 - 1

Text = Annotated[Line, StringConstraints(min_length=1, max_length=200)]
LongText = Annotated[Prose, StringConstraints(min_length=1, max_length=5_000)]
Code = Annotated[Line, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
#: An extra declaration: a short line, a whole number a database column can hold, or a flag.
Attribute = (
    Annotated[Line, StringConstraints(max_length=500)]
    | Annotated[StrictInt, Field(ge=-INT64_MAX, le=INT64_MAX)]
    | StrictBool
)
Money = Annotated[StrictInt, Field(ge=0, le=10**15, description="An amount in the currency's minor unit")]


class Body(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")
