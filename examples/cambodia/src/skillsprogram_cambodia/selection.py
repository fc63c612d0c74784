"""Selection by priority instead of a lottery: the poorest first, then by province quota.

Candidates are ordered by tier (``priority`` in the settings: IDPoor level 1,
then level 2, then vulnerable youth without a card); within a tier, by a ticket
drawn from the wave's published seed, so the order is reproducible. The core
then walks this order and selects each candidate while their province's quota
allows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from skillsprogram.plugin import Candidate, WaveDraw, ticket


def tier(candidate: Candidate) -> str:
    """The candidate's priority tier: ``level_1``, ``level_2`` or ``vulnerable``."""
    level = candidate.attributes.get("idpoor_level")
    if level in (1, 2, "1", "2"):
        return f"level_{int(level)}"
    return "vulnerable"


def rank(candidates: Sequence[Candidate], wave: WaveDraw, priority: Sequence[str]) -> list[uuid.UUID]:
    """Every candidate, poorest tier first, ties broken by the seed's ticket."""
    order = {name: index for index, name in enumerate(priority)}
    last = len(order)
    ranked = sorted(
        candidates,
        key=lambda c: (order.get(tier(c), last), ticket(wave.seed, c.application_id)),
    )
    return [c.application_id for c in ranked]
