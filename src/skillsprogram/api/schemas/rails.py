"""Bodies of the payment rails' callback route."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from skillsprogram.services.rail_callbacks import CallbackOutcome, CallbackRow


class RailCallbackIn(CallbackRow):
    """One notice a rail pushes about a payout it was sent (the fields of a line of the
    ``skillsprogram payouts callbacks`` file)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "notice_id": "WLT-N-000981",
                    "idempotency_key": "programme:application:incentive:1",
                    "status": "paid",
                    "reference": "TRX-99812",
                    "amount": 600000,
                    "currency": "IDR",
                }
            ]
        },
    )


class RailNoticeOutcome(BaseModel):
    """What became of one notice. ``applied`` and ``recheck`` acted on the payout,
    ``conflict`` opened a payout review; every notice was recorded, whatever its outcome."""

    notice_id: str
    idempotency_key: str
    outcome: CallbackOutcome


class RailCallbacksOut(BaseModel):
    """One outcome per notice, in the order sent."""

    applied: int
    results: list[RailNoticeOutcome]
