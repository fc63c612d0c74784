"""Payment-rail callbacks, signed by the rail's client."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path

from skillsprogram.api.deps import State, signed_rail, transaction
from skillsprogram.api.routes import MUTATING, problems
from skillsprogram.api.schemas import Line, RailCallbackIn, RailCallbacksOut, RailNoticeOutcome
from skillsprogram.api.security import Principal
from skillsprogram.services.rail_callbacks import apply_callbacks

router = APIRouter(tags=["payment rails"])

#: The most notices one request may carry.
MAX_NOTICES = 1_000


@router.post(
    "/rails/{rail}/callbacks",
    response_model=RailCallbacksOut,
    responses={**problems(400, 401, 403, 404, 413, 422), **MUTATING},
    summary="A rail reports what became of payouts it was sent",
)
def callback(
    rail: Annotated[Line, Path(max_length=32)],
    body: Annotated[list[RailCallbackIn], Body(min_length=1, max_length=MAX_NOTICES)],
    state: State,
    principal: Annotated[Principal, Depends(signed_rail)],
) -> RailCallbacksOut:
    """Apply the rail's notices (the same JSON list ``skillsprogram payouts callbacks`` reads)
    and answer one outcome per notice, in the order sent.

    Each notice id is applied once: one sent again is a ``duplicate``. ``paid`` settles the
    payout and books it in the ledger, ``failed`` on a payout in flight asks the rail again
    (``recheck``), ``returned`` moves the money back and opens a review. A notice naming an
    unknown key (``unknown_reference``), another amount or currency (``mismatch``) or an
    unknown status (``garbage``), or contradicting a final state (``conflict``, which opens
    a review) is recorded, not applied: the request still succeeds, since every notice was
    received and kept."""
    notices = [item.callback() for item in body]
    with transaction(state, principal) as (uow, ctx):
        outcomes = apply_callbacks(uow, ctx, rail, notices)
    return RailCallbacksOut(
        applied=outcomes.count("applied"),
        results=[
            RailNoticeOutcome(notice_id=n.notice_id, idempotency_key=n.idempotency_key, outcome=o)
            for n, o in zip(notices, outcomes, strict=True)
        ],
    )
