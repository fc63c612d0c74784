"""Bodies of the officers' routes: waves, quotas, draws, payout runs, revocations,
look-ups and the funnel."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from skillsprogram.api.schemas.applicants import ApplicationSummary
from skillsprogram.api.schemas.fields import Body, Line, Text


class WaveOut(BaseModel):
    """A wave."""

    model_config = ConfigDict(from_attributes=True)

    number: int
    status: str
    opens_at: datetime
    closes_at: datetime
    seed: str | None
    drawn_at: datetime | None


class WaveOpenIn(Body):
    """When the new wave's registration opens (now if omitted)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"opens_at": "2025-03-01T00:00:00Z"}]}
    )

    opens_at: datetime | None = None


class QuotaAllocationIn(Body):
    """Places to share over regions in proportion to demand."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"total": 50000}]})

    total: StrictInt = Field(ge=0, le=100_000_000)


class QuotasOut(BaseModel):
    """Places per region."""

    quotas: dict[str, int]


class DrawIn(Body):
    """The published seed of the draw (random if omitted)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"seed": "2025-wave-3-published-seed"}]}
    )

    seed: Annotated[Line, StringConstraints(min_length=1, max_length=128)] | None = None


class DrawOut(BaseModel):
    """The result of a draw."""

    selected: int
    waitlisted: int
    seed: str


class StepOut(BaseModel):
    """What a batch step did."""

    step: str
    count: int


class PayoutRunOut(BaseModel):
    """What a payout run did, by outcome."""

    outcomes: dict[str, int]
    paid_amount: int


class RevocationIn(Body):
    """Why the application is revoked."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "declared income found false on review"}]}
    )

    reason: Text


class RevocationOut(BaseModel):
    """Money returned by a revocation."""

    released: int = Field(description="Unspent voucher balance returned to the budget")
    cancelled: int = Field(description="Unpaid benefits cancelled")
    claimed: int = Field(description="Paid benefits to be recovered")


class LookupIn(Body):
    """A person to find, and why (both audited)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"national_id": "1000001", "reason": "call centre ticket 4711"}]},
    )

    national_id: Annotated[Line, StringConstraints(min_length=1, max_length=64)]
    reason: Text


class PersonMatchOut(BaseModel):
    """A person found by a look-up, with their applications in this programme."""

    person_id: uuid.UUID
    full_name: str
    birth_date: date
    national_id: str
    applications: list[ApplicationSummary]


class FunnelStage(BaseModel):
    """How many reached one stage."""

    stage: str
    count: int


class FunnelOut(BaseModel):
    """The programme's funnel."""

    stages: list[FunnelStage]
    current_status: dict[str, int]
    ineligible_by_rule: dict[str, int]
    paid_people: int
