"""The applicant lifecycle as a state machine, and the state machines of the other records.

An application moves only along :data:`APPLICATION_TRANSITIONS`; vouchers, purchases and
disbursement envelopes only along their :class:`Moves` tables (:data:`VOUCHER_MOVES`,
:data:`PURCHASE_MOVES`, :data:`ENVELOPE_MOVES`; payouts and provider settlements have
theirs in :mod:`skillsprogram.domain.transfers`). A service that asks for any other
move gets :class:`~skillsprogram.errors.InvalidTransition`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

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


#: Transfers a worker may claim once due: never tried, fate unknown, or a claim whose lease ran out.
CLAIMABLE = (PayoutStatus.SCHEDULED.value, PayoutStatus.UNKNOWN.value, PayoutStatus.SENDING.value)


@dataclass(frozen=True)
class Moves:
    """A record's state machine: every allowed move, as (state, event) -> new state.

    ``entity`` names the record in errors and in the generated documentation.
    """

    entity: str
    table: Mapping[tuple[str, str], str]

    def __init__(self, entity: str, moves: Iterable[tuple[Iterable[str], str, str]]) -> None:
        """Build the table from ``(from states, event, to state)`` rows."""
        table: dict[tuple[str, str], str] = {}
        for sources, event, target in moves:
            for source in sources:
                key = (str(source), str(event))
                if key in table:
                    raise ValueError(f"{entity}: {source} has two moves on {event}")
                table[key] = str(target)
        object.__setattr__(self, "entity", entity)
        object.__setattr__(self, "table", MappingProxyType(table))

    def next(self, current: str, event: str) -> str:
        """The state ``event`` moves a record in state ``current`` to; raises
        :class:`InvalidTransition` when the table has no such move."""
        target = self.table.get((str(current), str(event)))
        if target is None:
            raise InvalidTransition(
                f"a {self.entity} that is {current} cannot take the event {event}",
                current=str(current),
                target=str(event),
            )
        return target

    def allows(self, current: str, event: str) -> bool:
        """Whether a record in state ``current`` may take ``event``."""
        return (str(current), str(event)) in self.table

    def states(self) -> frozenset[str]:
        """Every state the table names."""
        return frozenset(s for key, target in self.table.items() for s in (key[0], target))

    def final(self) -> frozenset[str]:
        """The states no event leaves."""
        return self.states() - {source for source, _event in self.table}

    def markdown(self) -> str:
        """The table as a Markdown table (from, event, to), in the order it was written."""
        rows = ["| from | event | to |", "| --- | --- | --- |"]
        rows += [f"| {source} | {event} | {target} |" for (source, event), target in self.table.items()]
        return "\n".join(rows)


V = VoucherStatus
#: A voucher is forfeited when no course was bought in time or revoked with its holder,
#: and what is left on it returns to the budget.
VOUCHER_MOVES = Moves(
    "voucher",
    [
        ([V.ACTIVE], "forfeit", V.FORFEITED),
        ([V.ACTIVE], "revoke", V.REVOKED),
    ],
)

P = PurchaseStatus
#: A purchase is redeemed at the provider, then completed; one not yet redeemed can be
#: cancelled (its reservation goes back to the voucher).
PURCHASE_MOVES = Moves(
    "purchase",
    [
        ([P.PURCHASED], "redeem", P.REDEEMED),
        ([P.REDEEMED], "complete", P.COMPLETED),
        ([P.PURCHASED], "cancel", P.CANCELLED),
    ],
)


class EnvelopeStatus(StrEnum):
    """A disbursement envelope's funding."""

    PENDING = "pending"
    FUNDED = "funded"
    UNFUNDED = "unfunded"


E = EnvelopeStatus
#: An envelope is funded once the rail or sponsor bank reserves its total; one refused
#: (``unfunded``) is asked again at the next funding round.
ENVELOPE_MOVES = Moves(
    "disbursement envelope",
    [
        ([E.PENDING, E.UNFUNDED], "reserved", E.FUNDED),
        ([E.PENDING, E.UNFUNDED], "refused", E.UNFUNDED),
    ],
)
