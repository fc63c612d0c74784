"""Column types shared by the models: aware UTC timestamps, identifiers, amounts."""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Integer
from sqlalchemy.engine import Dialect
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Field
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


def uuid_or_none(value: object) -> uuid.UUID | None:
    """``value`` read as a UUID, or ``None`` when it is not a string that spells one (an id
    from a URL, a form or a cookie that may have been tampered with)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def new_id() -> uuid.UUID:
    """A fresh opaque public identifier: a time-ordered UUID (version 7).

    Its 74 random bits make it as unguessable as a public id needs to be, and its
    leading timestamp makes new rows land at the right edge of primary-key and
    foreign-key indexes instead of on random pages: a wave-sized batch then dirties
    a handful of index pages rather than one per row, which keeps inserts and
    commits flat as the tables grow.

    Inside :func:`reproducible_ids` the identifiers come from a seed instead.
    """
    source = _id_source.get()
    return uuid7() if source is None else source()


#: Where :func:`new_id` takes identifiers from when not from the system's randomness.
_id_source: ContextVar[Callable[[], uuid.UUID] | None] = ContextVar("skillsprogram_id_source", default=None)

#: The millisecond the first reproducible identifier is stamped with (2026-01-01T00:00Z).
_REPRODUCIBLE_EPOCH_MS = 1_767_225_600_000


@contextmanager
def reproducible_ids(seed: str) -> Iterator[None]:
    """Draw every :func:`new_id` in this context (and thread) from ``seed``: for demos only.

    The identifiers are still version-7 UUIDs, one millisecond apart in the order they
    are made, so they sort in creation order as real ones do; their random bits come
    from ``random.Random(seed)``. Two runs that make the same rows in the same order
    then get the same identifiers, and with them the same payout keys, the same order
    of equal-time rows and the same answers from a seeded sandbox rail. Never use it for
    real data: the identifiers are guessable by anyone who knows the seed.
    """
    rng = random.Random(seed)
    counter = itertools.count()

    def draw() -> uuid.UUID:
        stamp = _REPRODUCIBLE_EPOCH_MS + next(counter)
        bits = (stamp << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62) | rng.getrandbits(62)
        return uuid.UUID(int=bits)

    token = _id_source.set(draw)
    try:
        yield
    finally:
        _id_source.reset(token)


def utc_timestamp(nullable: bool = False, index: bool = False) -> Any:
    """A table column holding an aware UTC instant (:class:`UTCDateTime`), set by the code."""
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)
