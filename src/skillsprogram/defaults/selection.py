"""Default selection: an unweighted lottery reproducible from the wave's published seed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from skillsprogram.config import ProgrammeConfig
from skillsprogram.domain.exchange import Candidate, WaveDraw
from skillsprogram.domain.lottery import weighted_order
from skillsprogram.hooks.specs import hookimpl


@hookimpl(trylast=True)
def skillsprogram_rank_candidates(
    candidates: Sequence[Candidate], wave: WaveDraw, programme: ProgrammeConfig
) -> list[uuid.UUID]:
    """Every candidate has the same chance; the seed fixes the order."""
    ordered = weighted_order(candidates, wave.seed, lambda c: c.application_id)
    return [candidate.application_id for candidate in ordered]
