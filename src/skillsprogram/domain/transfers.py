"""The state machine of money sent through a payment rail: payouts and provider settlements.

A transfer (:class:`~skillsprogram.domain.models.SentTransfer`) moves only along its
table (:data:`PAYOUT_MOVES`, :data:`SETTLEMENT_MOVES`), one (state, event) -> state
row per allowed move; any other move raises
:class:`~skillsprogram.errors.InvalidTransition`. The functions here are the whole
sending discipline, without I/O:

- :func:`take` claims a due transfer for a worker, under a lease, with a fencing token
  (its attempt number);
- :func:`still_held` tells a worker whether its claim still stands when it comes back
  with the rail's answer (a worker overtaken records nothing);
- :func:`apply_answer` turns the rail's answer into the transfer's next state;
- :func:`backoff` says how long a transfer waits before its next try.

Money moves only into ``paid``: on a worker's ``paid`` answer, which only a transfer in
``sending`` takes, or on a rail's ``confirmed`` callback for a transfer in flight;
``paid`` itself is left only by the rail returning the money (``returned``), so no
sequence of answers pays a transfer twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from skillsprogram.domain.exchange import RailResult
from skillsprogram.domain.lifecycle import CLAIMABLE, Moves, PayoutStatus
from skillsprogram.domain.models import SentTransfer

FIRST_RETRY = timedelta(minutes=5)
#: The longest wait between two tries.
LONGEST_WAIT = timedelta(days=1)
MAX_ATTEMPTS = 8
#: How often a transfer whose fate is still unknown after MAX_ATTEMPTS is asked about again.
UNRESOLVED_RECHECK = timedelta(days=1)


class TransferEvent(StrEnum):
    """What can happen to a transfer."""

    CLAIM = "claim"
    """A worker claims it to send it (or to ask the rail what became of it)."""
    PAID = "paid"
    """The rail answers a worker that the credit is booked."""
    CONFIRMED = "confirmed"
    """The rail says on its own (a callback) that the credit of a transfer in flight is booked."""
    UNCONFIRMED = "unconfirmed"
    """The rail's answer leaves its fate open: a timeout, garbage, a crash, ``pending``."""
    REFUSED = "refused"
    """The rail refused it for now: it is tried again after :func:`backoff`."""
    REFUSED_FOR_GOOD = "refused_for_good"
    """The rail refused it for good, or for the last time allowed."""
    RETURNED = "returned"
    """The rail paid it, then the money came back (a callback)."""
    CANCEL = "cancel"
    """Its beneficiary was revoked, or an officer cancelled it after a review."""
    RESEND = "resend"
    """An officer sends it again after a review, under a new key."""


T = PayoutStatus
Ev = TransferEvent

#: What a worker does with a transfer: claim it, then record the rail's answer.
_SENDING = [
    ([T.SCHEDULED, T.UNKNOWN, T.SENDING], Ev.CLAIM, T.SENDING),
    ([T.SENDING], Ev.PAID, T.PAID),
    ([T.SENDING], Ev.UNCONFIRMED, T.UNKNOWN),
    ([T.SENDING], Ev.REFUSED, T.SCHEDULED),
    ([T.SENDING], Ev.REFUSED_FOR_GOOD, T.FAILED),
]

#: A provider settlement is only ever sent.
SETTLEMENT_MOVES = Moves("provider settlement", _SENDING)

#: A payout is sent like a settlement; besides, rails confirm or return it on their own
#: (callbacks), revocation cancels what was not sent, and a review resends or cancels
#: what failed or came back.
PAYOUT_MOVES = Moves(
    "payout",
    [
        *_SENDING,
        ([T.SENDING, T.UNKNOWN, T.SCHEDULED], Ev.CONFIRMED, T.PAID),
        ([T.PAID], Ev.RETURNED, T.RETURNED),
        ([T.SCHEDULED, T.FAILED, T.RETURNED], Ev.CANCEL, T.CANCELLED),
        ([T.FAILED, T.RETURNED], Ev.RESEND, T.SCHEDULED),
    ],
)

#: States no worker claim nor rail answer moves a transfer out of (only a callback
#: returning a paid transfer, or a person's decision after a review, does).
SETTLED = frozenset(T) - set(CLAIMABLE)


@dataclass(frozen=True, slots=True)
class RailAnswer:
    """What came back from a rail: its result, or ``None`` when the transfer's fate is
    unknown (a timeout, garbage, a crash), with a note saying why."""

    result: RailResult | None
    note: str | None = None


def move(transfer: SentTransfer, moves: Moves, event: TransferEvent, now: datetime) -> None:
    """Move ``transfer`` on ``event`` along ``moves`` (raises ``InvalidTransition``)."""
    transfer.status = moves.next(transfer.status, event)
    transfer.updated_at = now


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 5 minutes, doubling with each attempt, at most a day."""
    if attempts > 20:  # 5 minutes * 2**19 is well past a day already
        return LONGEST_WAIT
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def take(transfer: SentTransfer, moves: Moves, now: datetime, lease: timedelta) -> bool:
    """Claim a due ``transfer`` for this worker until ``now + lease``.

    Its attempt number, raised here, is the claim's fencing token (see :func:`still_held`).
    Returns whether the rail must first be asked what became of the transfer's key: it
    was tried before, so a credit may exist that nobody recorded.
    """
    resolve_first = transfer.status != T.SCHEDULED.value or transfer.attempts > 0
    move(transfer, moves, Ev.CLAIM, now)
    transfer.attempts += 1
    transfer.next_attempt_at = now + lease
    return resolve_first


def still_held(transfer: SentTransfer, token: int) -> bool:
    """Whether the worker that claimed ``transfer`` with fencing ``token`` still holds it.

    A worker slower than its lease finds the transfer taken over (claimed again, with a
    higher attempt number) and must record nothing: the new holder records the outcome.
    """
    return transfer.status == T.SENDING.value and transfer.attempts == token


def apply_answer(transfer: SentTransfer, moves: Moves, answer: RailAnswer, now: datetime) -> str:
    """Record a rail's answer on a transfer in flight; returns the outcome (``paid``,
    ``failed``, ``retry``, ``unknown`` or ``unresolved``, the last said once: when the
    last attempt allowed still left the fate open)."""
    result = answer.result
    if result is None or result.status == "pending":
        move(transfer, moves, Ev.UNCONFIRMED, now)
        transfer.last_error = answer.note or "the rail did not confirm the payment yet"
        if transfer.attempts >= MAX_ATTEMPTS:
            transfer.next_attempt_at = now + UNRESOLVED_RECHECK
            return "unresolved" if transfer.attempts == MAX_ATTEMPTS else "unknown"
        transfer.next_attempt_at = now + backoff(transfer.attempts)
        return "unknown"
    if result.status == "paid":
        move(transfer, moves, Ev.PAID, now)
        transfer.rail_reference = result.reference
        transfer.last_error = None
        return T.PAID.value
    transfer.last_error = result.reason or "refused by the rail"
    if result.permanent or transfer.attempts >= MAX_ATTEMPTS:
        move(transfer, moves, Ev.REFUSED_FOR_GOOD, now)
        return T.FAILED.value
    move(transfer, moves, Ev.REFUSED, now)
    transfer.next_attempt_at = now + backoff(transfer.attempts)
    return "retry"
