"""Default funding source: the rail's own float, when no sponsor-bank plugin answers."""

from __future__ import annotations

from skillsprogram.config import ProgrammeConfig
from skillsprogram.domain.exchange import FundingAnswer, PaymentRail
from skillsprogram.hooks.specs import hookimpl


@hookimpl(trylast=True)
def skillsprogram_reserve_funds(
    programme: ProgrammeConfig,
    rail: str,
    reference: str,
    amount: int,
    currency: str,
    payment_rail: PaymentRail,
) -> FundingAnswer:
    """Ask the rail to reserve the envelope's total on the programme's float there.

    A rail written before ``reserve_funds`` joined the rail protocol is answered
    "not funded", naming the rail, rather than paid without a reservation.
    """
    reserve = getattr(payment_rail, "reserve_funds", None)
    if reserve is None:
        return FundingAnswer(
            False, reason=f"rail {rail} cannot reserve funds and no sponsor-bank plugin answered"
        )
    answer: FundingAnswer = reserve(reference, amount, currency)
    return answer
