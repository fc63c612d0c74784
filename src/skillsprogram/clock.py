"""Time for services and hooks: always timezone-aware UTC, and settable in tests and demos."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current instant (timezone-aware, UTC)."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        """Return the wall-clock time in UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to: tests, demos and replays."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """Return the clock's current instant."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta`` and return the new instant."""
        if delta < timedelta(0):
            raise ValueError("a clock does not run backwards")
        self._now = self._now + delta
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to ``instant`` (which must not be in the clock's past)."""
        self.advance(instant.astimezone(UTC) - self._now)


def as_utc(value: datetime) -> datetime:
    """Return ``value`` as aware UTC; naive values (SQLite reads) are taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def today_in(clock: Clock, zone: tzinfo) -> date:
    """The calendar day it is on ``clock`` in ``zone``: a hook given the programme's clock
    asks ``today_in(clock, programme.programme.zone)`` for the programme's "today"."""
    return clock.now().astimezone(zone).date()
