"""A weighted lottery anyone can re-run from the published seed.

Each candidate's ticket is derived from SHA-256(seed, application id), so the
draw does not depend on the order candidates are read in, and an auditor with
the seed and the list of candidates (and their weights) gets the same order.
Weights follow Efraimidis and Spirakis: a candidate of weight 2 is twice as
likely as one of weight 1 to come before any given other.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

_SCALE = float(2**64)


def ticket(seed: str, application_id: uuid.UUID) -> float:
    """A uniform number in (0, 1) fixed by the seed and the application id."""
    digest = hashlib.sha256(f"{seed}:{application_id}".encode()).digest()
    return (int.from_bytes(digest[:8], "big") + 0.5) / _SCALE


def draw_key(seed: str, application_id: uuid.UUID, weight: float) -> float:
    """Sort key for a weighted draw: smaller comes first. Weight must be positive."""
    if weight <= 0:
        raise ValueError("lottery weights must be positive")
    return -math.log(ticket(seed, application_id)) / weight


def weighted_order(
    items: Iterable[T],
    seed: str,
    application_id: Callable[[T], uuid.UUID],
    weight: Callable[[T], float] = lambda _item: 1.0,
) -> list[T]:
    """Return ``items`` in weighted-lottery order for ``seed`` (first drawn first)."""
    return sorted(items, key=lambda item: draw_key(seed, application_id(item), weight(item)))
