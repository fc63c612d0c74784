"""Keyset pagination: a page's ``next_cursor`` is the last key it holds, and the next page
starts after it, so pages stay stable while rows are added."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=200, description="Items per page")]
UuidCursor = Annotated[
    uuid.UUID | None, Query(description="The `next_cursor` of the previous page; omit for the first")
]
#: The key of a ``BIGINT`` column (audit events): at most 18 digits, always below 2**63.
IntCursor = Annotated[
    str | None,
    Query(pattern=r"^[0-9]{1,18}$", description="The `next_cursor` of the previous page; omit for the first"),
]
#: The key of an ``INTEGER`` column (wave numbers): at most 9 digits, always below 2**31.
SmallIntCursor = Annotated[
    str | None,
    Query(pattern=r"^[0-9]{1,9}$", description="The `next_cursor` of the previous page; omit for the first"),
]


def position(cursor: str | None) -> int | None:
    """The integer key an :data:`IntCursor` or a :data:`SmallIntCursor` carries."""
    return int(cursor) if cursor is not None else None


class Page(BaseModel, Generic[T]):
    """One page of a list, oldest first."""

    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null at the end"
    )


def next_cursor(rows: Sequence[Any], limit: int, key: str = "id") -> str | None:
    """The cursor after a full page (the last key read), or ``None`` when the page is the last."""
    if len(rows) < limit or not rows:
        return None
    return str(getattr(rows[-1], key))
