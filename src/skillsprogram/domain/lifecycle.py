"""The applicant lifecycle as a state machine, and the statuses of the other records.

An application moves only along :data:`APPLICATION_TRANSITIONS`; a service that
asks for any other move gets :class:`~skillsprogram.errors.InvalidTransition`.
"""

from __future__ import annotations

from enum import StrEnum

from skillsprogram.errors import InvalidTransition


class ApplicationStatus(StrEnum):
    """Where one person stands in one programme."""

    REGISTERED = "registered"
    IDENTITY_VERIFIED = "identity_verified"
    IDENTITY_REJECTED = "identity_rejected"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    SELECTED = "selected"
    WAITLISTED = "waitlisted"
    VOUCHER_ISSUED = "voucher_issued"
    TRAINING = "training"
    TRAINING_COMPLETED = "training_completed"
    FORFEITED = "forfeited"
    REVOKED = "revoked"


S = ApplicationStatus

#: Every allowed move. Revocation is allowed from any state but itself.
APPLICATION_TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    S.REGISTERED: frozenset({S.IDENTITY_VERIFIED, S.IDENTITY_REJECTED}),
    S.IDENTITY_VERIFIED: frozenset({S.ELIGIBLE, S.INELIGIBLE}),
    S.IDENTITY_REJECTED: frozenset(),
    S.ELIGIBLE: frozenset({S.SELECTED, S.WAITLISTED, S.INELIGIBLE}),
    S.WAITLISTED: frozenset({S.SELECTED, S.WAITLISTED, S.INELIGIBLE}),
    S.INELIGIBLE: frozenset(),
    S.SELECTED: frozenset({S.VOUCHER_ISSUED}),
    S.VOUCHER_ISSUED: frozenset({S.TRAINING, S.FORFEITED}),
    S.TRAINING: frozenset({S.TRAINING_COMPLETED}),
    S.TRAINING_COMPLETED: frozenset(),
    S.FORFEITED: frozenset(),
    S.REVOKED: frozenset(),
}

#: Statuses from which a person can be drawn in a wave.
DRAWABLE = frozenset({S.ELIGIBLE, S.WAITLISTED})

#: Statuses of people who have received the programme (once-only and household caps).
RECIPIENT = frozenset({S.SELECTED, S.VOUCHER_ISSUED, S.TRAINING, S.TRAINING_COMPLETED})


def can_move(current: ApplicationStatus | str, target: ApplicationStatus | str) -> bool:
    """True when ``current`` may move to ``target``."""
    source, goal = ApplicationStatus(current), ApplicationStatus(target)
    if goal is S.REVOKED:
        return source is not S.REVOKED
    return goal in APPLICATION_TRANSITIONS[source]


def check_move(current: ApplicationStatus | str, target: ApplicationStatus | str) -> None:
    """Raise :class:`InvalidTransition` unless ``current`` may move to ``target``."""
    if not can_move(current, target):
        raise InvalidTransition(
            f"an application that is {current} cannot become {target}",
            current=str(current),
            target=str(target),
        )


class WaveStatus(StrEnum):
    """A wave's own lifecycle."""

    OPEN = "open"
    CLOSED = "closed"
    DRAWN = "drawn"


class VoucherStatus(StrEnum):
    """A voucher's state; its balance is derived from the ledger."""

    ACTIVE = "active"
    FORFEITED = "forfeited"
    REVOKED = "revoked"
    EXPIRED = "expired"


class PurchaseStatus(StrEnum):
    """A course purchase: bought with the voucher, redeemed at the provider, completed."""

    PURCHASED = "purchased"
    REDEEMED = "redeemed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class EntitlementStatus(StrEnum):
    """A benefit instalment a beneficiary has earned."""

    EARNED = "earned"
    PAYOUT_CREATED = "payout_created"
    WITHHELD = "withheld"
    CANCELLED = "cancelled"


class AccountStatus(StrEnum):
    """A beneficiary's payment account."""

    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    REJECTED = "rejected"


class PayoutStatus(StrEnum):
    """A payout on its way through a payment rail.

    ``sending`` is written and committed *before* the rail is called; a payout
    found in ``sending`` or ``unknown`` is resolved by asking the rail for the
    status of its idempotency key, never by sending again blindly.
    """

    SCHEDULED = "scheduled"
    SENDING = "sending"
    UNKNOWN = "unknown"
    PAID = "paid"
    FAILED = "failed"
    RETURNED = "returned"
    CANCELLED = "cancelled"


PAYOUT_FINAL = frozenset(
    {PayoutStatus.PAID, PayoutStatus.FAILED, PayoutStatus.RETURNED, PayoutStatus.CANCELLED}
)

#: Transfers a worker may claim once due: never tried, fate unknown, or a claim whose lease ran out.
CLAIMABLE = (PayoutStatus.SCHEDULED.value, PayoutStatus.UNKNOWN.value, PayoutStatus.SENDING.value)
