"""The inputs of a wave's draw as a file anyone can re-run the draw from.

A draw is fixed by what :func:`skillsprogram.services.waves.draw` reads: the drawable
applications (their opaque ids, household ids, regions, registration attributes and times:
what the selection plugin may rank by), the quotas per region, the household cap with the
recipients each household had before, and the seed. :func:`draw_inputs` reads them for a
closed wave, before its draw (the draw moves the applications on, so the file is taken,
and published, before the draw; the seed is published after it); :func:`replay` recomputes
the selected applications from that file and the seed with the same ranking and the same
quota walk as the draw. No name, national id or contact is in the file.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from skillsprogram.config import ProgrammeConfig
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import Candidate, WaveDraw
from skillsprogram.domain.quotas import QuotaWalk, Seat
from skillsprogram.errors import ValidationFailed
from skillsprogram.services import waves
from skillsprogram.services.screening import household_recipients
from skillsprogram.storage.uow import UnitOfWork

#: The file's columns; ``record`` says which of them a row fills.
COLUMNS = (
    "record",
    "wave",
    "wave_id",
    "household_cap",
    "application_id",
    "household_id",
    "region_code",
    "quota_region",
    "registered_at",
    "attributes",
    "quota",
    "recipients",
)


@dataclass
class DrawInputs:
    """Everything a wave's draw reads, besides the seed."""

    wave: int
    wave_id: uuid.UUID
    household_cap: int | None
    quotas: dict[str, int]
    candidates: list[Candidate]
    recipients: dict[uuid.UUID, int] = field(default_factory=dict)


def draw_inputs(uow: UnitOfWork, ctx: ProgrammeContext, number: int) -> DrawInputs:
    """The inputs of closed wave ``number``'s draw, as the draw would read them now
    (``wave-not-closed`` for a wave open or already drawn)."""
    wave = waves.closed_wave(uow, ctx, number, lock=False)
    candidates, _drawn = waves.drawable(uow, ctx)
    households = [c.household_id for c in candidates.values() if c.household_id is not None]
    return DrawInputs(
        wave=wave.number,
        wave_id=wave.id,
        household_cap=ctx.config.eligibility.max_recipients_per_household,
        quotas=waves.quotas_of(uow, wave),
        candidates=sorted(candidates.values(), key=lambda c: str(c.application_id)),
        recipients=dict(Counter(household_recipients(uow, households))),
    )


def replay(hook: Any, programme: ProgrammeConfig, inputs: DrawInputs, seed: str) -> list[uuid.UUID]:
    """The applications the draw selects from ``inputs`` and ``seed``, in ranked order: the
    selection plugins (``hook``) rank them and the quota walk admits them, as in the draw."""
    by_id = {c.application_id: c for c in inputs.candidates}
    draw = WaveDraw(wave_id=inputs.wave_id, number=inputs.wave, seed=seed, quotas=dict(inputs.quotas))
    order = waves.ranking(hook, programme, draw, by_id)
    walk = QuotaWalk(inputs.quotas, inputs.household_cap, inputs.recipients)
    return [a for a in order if walk.admit(Seat(by_id[a].quota_region, by_id[a].household_id))]


def to_csv(inputs: DrawInputs) -> str:
    """``inputs`` as CSV: one ``wave`` row, a ``quota`` row per region, a ``household`` row
    per household with recipients already, a ``candidate`` row per drawable application."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    cap = "" if inputs.household_cap is None else inputs.household_cap
    writer.writerow({"record": "wave", "wave": inputs.wave, "wave_id": inputs.wave_id, "household_cap": cap})
    for region, quota in sorted(inputs.quotas.items()):
        writer.writerow({"record": "quota", "quota_region": region, "quota": quota})
    for household, count in sorted(inputs.recipients.items(), key=lambda item: str(item[0])):
        writer.writerow({"record": "household", "household_id": household, "recipients": count})
    for c in inputs.candidates:
        writer.writerow(
            {
                "record": "candidate",
                "application_id": c.application_id,
                "household_id": c.household_id or "",
                "region_code": c.region_code,
                "quota_region": c.quota_region,
                "registered_at": c.registered_at.isoformat(),
                "attributes": json.dumps(dict(c.attributes), sort_keys=True, default=str),
            }
        )
    return out.getvalue()


def from_csv(text: str) -> DrawInputs:
    """The inputs written by :func:`to_csv` (``invalid-draw-file`` when they are not)."""
    inputs = DrawInputs(wave=0, wave_id=uuid.UUID(int=0), household_cap=None, quotas={}, candidates=[])
    try:
        for row in csv.DictReader(io.StringIO(text)):
            _read(inputs, row)
    except (KeyError, ValueError, TypeError) as error:
        raise ValidationFailed(f"not a draw's inputs: {error}", code="invalid-draw-file") from None
    if inputs.wave < 1:
        raise ValidationFailed("not a draw's inputs: no wave row", code="invalid-draw-file")
    return inputs


def _read(inputs: DrawInputs, row: Mapping[str, str]) -> None:
    kind = row["record"]
    if kind == "wave":
        inputs.wave = int(row["wave"])
        inputs.wave_id = uuid.UUID(row["wave_id"])
        inputs.household_cap = int(row["household_cap"]) if row["household_cap"] else None
    elif kind == "quota":
        inputs.quotas[row["quota_region"]] = int(row["quota"])
    elif kind == "household":
        inputs.recipients[uuid.UUID(row["household_id"])] = int(row["recipients"])
    elif kind == "candidate":
        inputs.candidates.append(
            Candidate(
                application_id=uuid.UUID(row["application_id"]),
                household_id=uuid.UUID(row["household_id"]) if row["household_id"] else None,
                region_code=row["region_code"],
                quota_region=row["quota_region"],
                attributes=json.loads(row["attributes"]),
                registered_at=datetime.fromisoformat(row["registered_at"]),
            )
        )
    else:
        raise ValueError(f"unknown record {kind!r}")
