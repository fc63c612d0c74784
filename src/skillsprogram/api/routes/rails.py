"""Payment-rail callbacks, signed by the rail's client."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from skillsprogram.api import views
from skillsprogram.api.deps import State, signed_rail, transaction
from skillsprogram.api.routes import MUTATING, problems
from skillsprogram.api.schemas import PayoutOut, RailCallbackIn
from skillsprogram.api.security import Principal
from skillsprogram.services.rail_reports import RailReport, apply_rail_report

router = APIRouter(tags=["payment rails"])


@router.post(
    "/rails/{rail}/callbacks",
    response_model=PayoutOut,
    responses={**problems(400, 401, 403, 404, 413, 422), **MUTATING},
    summary="A rail reports a payment's final state",
)
def callback(
    rail: Annotated[str, Path(max_length=32)],
    body: RailCallbackIn,
    state: State,
    principal: Annotated[Principal, Depends(signed_rail)],
) -> PayoutOut:
    """Settle the payout with this idempotency key: ``paid`` books it, ``failed`` ends it or
    asks for a retry. Repeating a report changes nothing."""
    report = RailReport(body.idempotency_key, body.status, body.reference, body.reason, body.permanent)
    with transaction(state, principal) as (uow, ctx):
        return views.payout(apply_rail_report(uow, ctx, rail, report))
