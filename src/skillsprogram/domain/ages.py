"""The day an applicant's age is taken on, as the programme's configuration chooses it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

#: ``[eligibility] age_on``: the wave's opening day, its last day of registration, or the
#: day the person applied.
AgeOn = Literal["wave_opens", "wave_closes", "application_date"]

_JUST_BEFORE = timedelta(microseconds=1)


def age_day(
    age_on: AgeOn,
    zone: ZoneInfo,
    applied_at: datetime,
    wave_opens_at: datetime | None,
    wave_closes_at: datetime | None,
) -> date:
    """The calendar day, in the programme's time zone ``zone``, on which age is counted.

    A wave's closing instant is the first moment it no longer takes applications, so
    ``wave_closes`` is the local day of the instant just before it (a wave closing at
    midnight closes on the day before). An application outside any wave is taken on the
    day it was made.
    """
    instant = applied_at
    if age_on == "wave_opens" and wave_opens_at is not None:
        instant = wave_opens_at
    elif age_on == "wave_closes" and wave_closes_at is not None:
        instant = wave_closes_at - _JUST_BEFORE
    return instant.astimezone(zone).date()
