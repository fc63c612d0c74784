"""Column types shared by the models: aware UTC timestamps, identifiers, amounts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Integer
from sqlalchemy.engine import Dialect
from sqlalchemy.types import DateTime, TypeDecorator
from uuid_utils.compat import uuid7

#: A 64-bit integer that is still SQLite's rowid alias when used as a primary key.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes in UTC and always reads them back aware (SQLite forgets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC one is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def new_id() -> uuid.UUID:
    """A fresh opaque public identifier: a time-ordered UUID (version 7).

    Its 74 random bits make it as unguessable as a public id needs to be, and its
    leading timestamp makes new rows land at the right edge of primary-key and
    foreign-key indexes instead of on random pages: a wave-sized batch then dirties
    a handful of index pages rather than one per row, which keeps inserts and
    commits flat as the tables grow.
    """
    return uuid7()
