"""Kartu Prakerja's draw: a lottery weighted towards priority applicants, from a published seed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from skillsprogram.plugin import Candidate, WaveDraw, weighted_order
from skillsprogram_indonesia.regions import frontier_regencies
from skillsprogram_indonesia.settings import LotteryWeights


def weight(candidate: Candidate, weights: LotteryWeights) -> float:
    """A candidate's lottery weight: the product of the priorities they meet."""
    value = 1.0
    if candidate.attributes.get("never_trained"):
        value *= weights.never_trained
    if candidate.region_code in frontier_regencies():
        value *= weights.frontier_region
    if candidate.attributes.get("disability"):
        value *= weights.disability
    return value


def rank(candidates: Sequence[Candidate], wave: WaveDraw, weights: LotteryWeights) -> list[uuid.UUID]:
    """Every candidate, in weighted-lottery order for the wave's seed."""
    ordered = weighted_order(candidates, wave.seed, lambda c: c.application_id, lambda c: weight(c, weights))
    return [c.application_id for c in ordered]
