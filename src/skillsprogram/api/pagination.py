"""Cursor pagination: opaque cursors carrying the last key of the page before."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from skillsprogram.errors import ValidationFailed

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=200, description="Items per page")]
Cursor = Annotated[
    str | None,
    Query(max_length=200, description="The `next_cursor` of the previous page; omit for the first"),
]


class Page(BaseModel, Generic[T]):
    """One page of a list, oldest first."""

    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null at the end"
    )


def encode(value: Any) -> str:
    """An opaque cursor for ``value`` (a UUID or an integer key)."""
    return base64.urlsafe_b64encode(json.dumps(str(value)).encode()).decode().rstrip("=")


def _decode(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValidationFailed(
            "the cursor is not one this API issued", code="invalid-cursor", field="cursor"
        ) from None
    if not isinstance(value, str):
        raise ValidationFailed("the cursor is not one this API issued", code="invalid-cursor", field="cursor")
    return value


def after_uuid(cursor: str | None) -> uuid.UUID | None:
    """The UUID key a cursor carries."""
    if cursor is None:
        return None
    try:
        return uuid.UUID(_decode(cursor))
    except ValueError:
        raise ValidationFailed(
            "the cursor is not one this API issued", code="invalid-cursor", field="cursor"
        ) from None


def after_int(cursor: str | None) -> int | None:
    """The integer key a cursor carries."""
    if cursor is None:
        return None
    value = _decode(cursor)
    if not value.isdigit():
        raise ValidationFailed("the cursor is not one this API issued", code="invalid-cursor", field="cursor")
    return int(value)


def next_cursor(rows: Sequence[Any], limit: int, key: str = "id") -> str | None:
    """The cursor after a full page, or ``None`` when the page is the last."""
    if len(rows) < limit or not rows:
        return None
    return encode(getattr(rows[-1], key))
