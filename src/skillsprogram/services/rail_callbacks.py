"""What payment rails tell us on their own about a payout (callbacks: paid, failed, returned).

Rails answer asynchronously (a bank books a credit hours after accepting it, a
wallet returns money when the account closes), so they push notices: over HTTP
(``POST /v1/rails/{rail}/callbacks``) or as a file an operator feeds to
``skillsprogram payouts callbacks``. Both entrances apply them here, the same way:

- each notice is kept once per (rail, notice id) in ``rail_notice``, whatever its
  outcome; a notice id seen before, in this batch or an earlier one, is a
  ``duplicate``, recorded in the audit log and applied no second time (two
  deliveries racing each other are serialised by the notice's unique key);
- a notice naming a key we never sent through this rail, an amount or currency that
  disagrees with the payout, or a status we do not know is recorded and reported,
  never applied;
- a notice contradicting a payout's final state opens a payout review;
- ``paid`` settles the payout through :func:`payouts.settle` (the same path as a
  payout run, so a payout paid after its beneficiary was revoked is claimed back),
  ``returned`` moves the money back to benefits payable and opens a review.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StrictInt, StringConstraints
from sqlalchemy import select, update
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import RailCallback
from skillsprogram.domain.ledger import AccountKind, transfer
from skillsprogram.domain.lifecycle import ApplicationStatus, PayoutStatus
from skillsprogram.domain.models import Application, Entitlement, Payout
from skillsprogram.domain.payments import RailNotice
from skillsprogram.domain.transfers import PAYOUT_MOVES, TransferEvent, move
from skillsprogram.services import ledger
from skillsprogram.services.audit import Change, record
from skillsprogram.services.imports import PRINTABLE, Row, Rows, read_json_list
from skillsprogram.services.payout_reviews import open_review
from skillsprogram.services.payouts import Settlement, settle, write_settlement
from skillsprogram.storage.rows import RailNoticeRow
from skillsprogram.storage.uow import UnitOfWork, slices, table_of

__all__ = [
    "CALLBACK_STATUSES",
    "IN_FLIGHT",
    "CallbackOutcome",
    "CallbackRow",
    "RailCallback",
    "apply_callbacks",
    "read_callbacks",
]

#: What a callback may say.
CALLBACK_STATUSES = frozenset({"paid", "failed", "returned"})

#: Payout states a callback may confirm as paid (the payout was sent, its fate unknown):
#: those the payout table lets take the ``confirmed`` event.
IN_FLIGHT = frozenset(state for state, event in PAYOUT_MOVES.table if event == TransferEvent.CONFIRMED)

#: What became of one notice. Only ``applied`` and ``recheck`` change a payout;
#: ``conflict`` opens a review; every other outcome is recorded, not applied.
CallbackOutcome = Literal[
    "applied", "no_change", "recheck", "duplicate", "unknown_reference", "mismatch", "garbage", "conflict"
]

_PENDING = "pending"
_CHUNK = 5_000


class CallbackRow(Row):
    """One notice a rail pushes about a payout it was sent: an item of the JSON list that
    ``POST /v1/rails/{rail}/callbacks`` and ``skillsprogram payouts callbacks`` read."""

    notice_id: Annotated[str, StringConstraints(min_length=1, max_length=128), PRINTABLE] = Field(
        description="The rail's id for this notice: a notice sent again carries the same id"
    )
    idempotency_key: Annotated[str, StringConstraints(min_length=1, max_length=160), PRINTABLE] = Field(
        description="The payout's idempotency key, as we sent it to the rail"
    )
    status: Annotated[str, StringConstraints(min_length=1, max_length=64), PRINTABLE] = Field(
        description="paid, failed or returned; any other value is recorded as garbage, not applied"
    )
    reference: Annotated[str, StringConstraints(min_length=1, max_length=128), PRINTABLE] | None = Field(
        default=None, description="The rail's reference for the payment (needed for paid)"
    )
    amount: Annotated[StrictInt, Field(ge=0, le=10**15)] | None = Field(
        default=None, description="In the currency's minor unit; when given, must equal the payout's amount"
    )
    currency: Annotated[str, StringConstraints(min_length=1, max_length=8), PRINTABLE] | None = Field(
        default=None, description="When given, must equal the payout's currency"
    )
    reason: Annotated[str, StringConstraints(max_length=500), PRINTABLE] | None = None

    def callback(self) -> RailCallback:
        """The notice as the service applies it."""
        return RailCallback(
            notice_id=self.notice_id,
            idempotency_key=self.idempotency_key,
            status=self.status,
            reference=self.reference,
            amount=self.amount,
            currency=self.currency,
            reason=self.reason,
        )


def read_callbacks(content: bytes) -> Rows[CallbackRow]:
    """The notices of a callbacks file (a JSON list of :class:`CallbackRow` objects) and a
    problem for every item that is not one (refused, never applied). A file that is not
    such a list raises :class:`~skillsprogram.services.imports.UnreadableFile`."""
    return read_json_list(content, CallbackRow)


def apply_callbacks(
    uow: UnitOfWork, ctx: ProgrammeContext, rail: str, callbacks: Sequence[RailCallback]
) -> list[CallbackOutcome]:
    """Apply a rail's callbacks; returns one outcome per callback, in the order given.

    Outcomes: ``applied``, ``no_change`` (the payout already says so), ``recheck`` (a
    failure reported for a payout in flight: the worker asks the rail again now),
    ``duplicate``, ``unknown_reference``, ``mismatch`` (amount or currency), ``garbage``
    (a status we do not know, or ``paid`` without a reference) and ``conflict``
    (contradicts a final state; opens a review).
    """
    now = ctx.clock.now()
    claimed = _claim_notices(uow, ctx, rail, callbacks, now)
    keys = sorted({c.idempotency_key for c in callbacks if c.notice_id in claimed})
    query = (
        select(Payout, Entitlement, col(Application.person_id), col(Application.status))
        .join(Entitlement, col(Entitlement.id) == col(Payout.entitlement_id))
        .join(Application, col(Application.id) == col(Entitlement.application_id))
        .where(col(Payout.programme_id) == ctx.pid, col(Payout.rail) == rail)
        .order_by(col(Payout.id))
    )
    payouts: dict[str, tuple[Payout, Entitlement, uuid.UUID, str]] = {
        row[0].idempotency_key: row.tuple()
        for row in uow.rows_among(query, col(Payout.idempotency_key), keys, lock=True, of=Payout)
    }
    outcomes: list[CallbackOutcome] = []
    changes: list[Change] = []
    decided: dict[str, CallbackOutcome] = {}
    for callback in callbacks:
        if callback.notice_id not in claimed or callback.notice_id in decided:
            outcomes.append("duplicate")
            changes.append(
                Change("rail_notice", callback.notice_id, "rail_notice_duplicate", None, None, {"rail": rail})
            )
            continue
        outcome = _callback_outcome(uow, ctx, callback, payouts.get(callback.idempotency_key), changes)
        decided[callback.notice_id] = outcome
        outcomes.append(outcome)
    uow.session.flush()
    _record_outcomes(uow, ctx, rail, decided)
    record(uow, ctx, changes)
    return outcomes


def _claim_notices(
    uow: UnitOfWork, ctx: ProgrammeContext, rail: str, callbacks: Sequence[RailCallback], now: datetime
) -> set[str]:
    """Insert the first occurrence of each notice id not yet kept; returns the ids this call
    inserted. A notice another transaction is inserting at the same moment waits for it and
    then counts as a duplicate here."""
    first: dict[str, RailCallback] = {}
    for callback in callbacks:
        first.setdefault(callback.notice_id, callback)
    rows: list[RailNoticeRow] = [
        RailNoticeRow(
            programme_id=ctx.pid,
            rail=rail,
            notice_id=notice_id,
            idempotency_key=callback.idempotency_key,
            status=str(callback.status)[:24],
            outcome=_PENDING,
            received_at=now,
            data={
                "reference": callback.reference,
                "amount": callback.amount,
                "currency": callback.currency,
                "reason": callback.reason,
            },
        )
        for notice_id, callback in sorted(first.items())  # one order for all: no deadlock
    ]
    if not rows:
        return set()
    uow.session.flush()
    statement = uow.insert_skipping_existing(RailNotice, ["programme_id", "rail", "notice_id"]).returning(
        table_of(RailNotice).c.notice_id
    )
    claimed: set[str] = set()
    for chunk in slices(rows, _CHUNK):
        claimed.update(uow.session.execute(statement, chunk).scalars())
    return claimed


def _record_outcomes(
    uow: UnitOfWork, ctx: ProgrammeContext, rail: str, decided: dict[str, CallbackOutcome]
) -> None:
    """Write each claimed notice's outcome on its ``rail_notice`` row."""
    by_outcome: dict[CallbackOutcome, list[str]] = {}
    for notice_id, outcome in decided.items():
        by_outcome.setdefault(outcome, []).append(notice_id)
    for outcome, notice_ids in sorted(by_outcome.items()):
        uow.execute_among(
            update(RailNotice)
            .where(col(RailNotice.programme_id) == ctx.pid, col(RailNotice.rail) == rail)
            .values(outcome=outcome),
            col(RailNotice.notice_id),
            notice_ids,
        )


def _callback_outcome(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    callback: RailCallback,
    found: tuple[Payout, Entitlement, uuid.UUID, str] | None,
    changes: list[Change],
) -> CallbackOutcome:
    if callback.status not in CALLBACK_STATUSES:
        return "garbage"
    if found is None:
        return "unknown_reference"
    payout, entitlement, person_id, app_status = found
    if (callback.amount is not None and callback.amount != payout.amount) or (
        callback.currency is not None and callback.currency != payout.currency
    ):
        return "mismatch"
    now = ctx.clock.now()
    data = {"person_id": str(person_id), "rail": payout.rail, "amount": payout.amount, "via": "callback"}
    before = payout.status
    if callback.status == "paid":
        if payout.status == PayoutStatus.PAID.value:
            return "no_change"
        if payout.status not in IN_FLIGHT or (
            payout.status == PayoutStatus.SCHEDULED.value and not payout.attempts
        ):
            open_review(uow, ctx, payout, f"the rail reports paid a payout we hold as {payout.status}")
            return "conflict"
        if not callback.reference:
            return "garbage"
        move(payout, PAYOUT_MOVES, TransferEvent.CONFIRMED, now)
        payout.rail_reference = callback.reference
        payout.last_error = None
        out = Settlement()
        revoked = app_status == ApplicationStatus.REVOKED.value
        settle(uow, ctx, out, payout, entitlement, person_id, PayoutStatus.PAID.value, revoked, before)
        write_settlement(uow, ctx, out)
        return "applied"
    if callback.status == "failed":
        if payout.status == PayoutStatus.FAILED.value:
            return "no_change"
        if payout.status in (PayoutStatus.UNKNOWN.value, PayoutStatus.SENDING.value):
            payout.next_attempt_at = now  # ask the rail again, with the same key, right away
            return "recheck"
        open_review(uow, ctx, payout, f"the rail reports failed a payout we hold as {payout.status}")
        return "conflict"
    # returned: the rail paid, then the money came back (account closed after credit, ...)
    if payout.status == PayoutStatus.RETURNED.value:
        return "no_change"
    if payout.status != PayoutStatus.PAID.value:
        open_review(uow, ctx, payout, f"the rail reports returned a payout we hold as {payout.status}")
        return "conflict"
    move(payout, PAYOUT_MOVES, TransferEvent.RETURNED, now)
    payout.last_error = callback.reason or "returned by the rail"
    ledger.post(
        uow,
        ctx,
        [
            transfer(
                "payout_returned",
                f"payout:{payout.id}",
                ledger.account(uow, ctx, AccountKind.RAIL, payout.rail),
                ledger.account(uow, ctx, AccountKind.BENEFIT_PAYABLE, "programme"),
                payout.amount,
                payout.currency,
            )
        ],
    )
    open_review(uow, ctx, payout, payout.last_error)
    changes.append(Change("payout", payout.id, "payout_returned", before, payout.status, data))
    return "applied"
