"""The transfer state machine (payouts, provider settlements), without a database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skillsprogram.domain.exchange import RailResult
from skillsprogram.domain.lifecycle import CLAIMABLE, Moves, PayoutStatus
from skillsprogram.domain.machines import BEGIN, END, render_markdown
from skillsprogram.domain.models import Payout
from skillsprogram.domain.transfers import (
    LONGEST_WAIT,
    MAX_ATTEMPTS,
    PAYOUT_MOVES,
    SETTLED,
    SETTLEMENT_MOVES,
    RailAnswer,
    TransferEvent,
    apply_answer,
    backoff,
    move,
    still_held,
    take,
)
from skillsprogram.errors import InvalidTransition

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)
ARCHITECTURE = Path(__file__).parents[2] / "docs" / "architecture.md"

PAID = RailAnswer(RailResult("paid", reference="ref-1"))
PENDING = RailAnswer(RailResult("pending"))
SILENCE = RailAnswer(None, "rail timed out")
REFUSED = RailAnswer(RailResult("failed", reason="busy"))
REFUSED_FOR_GOOD = RailAnswer(RailResult("failed", reason="account closed", permanent=True))
ANSWERS = [PAID, PENDING, SILENCE, REFUSED, REFUSED_FOR_GOOD]


def a_payout(status: PayoutStatus = PayoutStatus.SCHEDULED, attempts: int = 0) -> Payout:
    return Payout(
        id=uuid.uuid4(),
        programme_id=uuid.uuid4(),
        entitlement_id=uuid.uuid4(),
        payment_account_id=uuid.uuid4(),
        rail="bank",
        amount=1000,
        currency="IDR",
        idempotency_key=f"key-{uuid.uuid4()}",
        status=status.value,
        attempts=attempts,
        created_at=NOW,
        updated_at=NOW,
        next_attempt_at=NOW,
    )


def test_a_claim_moves_a_due_transfer_to_sending_with_a_new_fencing_token() -> None:
    payout = a_payout()
    assert take(payout, PAYOUT_MOVES, NOW, LEASE) is False  # never tried: no need to ask first
    assert (payout.status, payout.attempts, payout.next_attempt_at) == ("sending", 1, NOW + LEASE)
    assert still_held(payout, 1)
    assert take(payout, PAYOUT_MOVES, NOW, LEASE) is True  # its lease taken over: ask first
    assert not still_held(payout, 1) and still_held(payout, 2)


@pytest.mark.parametrize("status", sorted(SETTLED))
def test_a_settled_transfer_cannot_be_claimed(status: str) -> None:
    with pytest.raises(InvalidTransition):
        take(a_payout(PayoutStatus(status)), PAYOUT_MOVES, NOW, LEASE)


def test_an_answer_is_recorded_only_on_a_transfer_in_sending() -> None:
    for status in PayoutStatus:
        if status is PayoutStatus.SENDING:
            continue
        with pytest.raises(InvalidTransition):
            apply_answer(a_payout(status, attempts=1), PAYOUT_MOVES, PAID, NOW)


@pytest.mark.parametrize(
    ("answer", "outcome", "status"),
    [
        (PAID, "paid", "paid"),
        (PENDING, "unknown", "unknown"),
        (SILENCE, "unknown", "unknown"),
        (REFUSED, "retry", "scheduled"),
        (REFUSED_FOR_GOOD, "failed", "failed"),
    ],
)
def test_each_rail_answer_has_one_outcome(answer: RailAnswer, outcome: str, status: str) -> None:
    payout = a_payout()
    take(payout, SETTLEMENT_MOVES, NOW, LEASE)
    assert apply_answer(payout, SETTLEMENT_MOVES, answer, NOW) == outcome
    assert payout.status == status


def test_the_last_attempt_left_open_is_unresolved_once_then_asked_again_daily() -> None:
    payout = a_payout(PayoutStatus.UNKNOWN, attempts=MAX_ATTEMPTS - 1)
    take(payout, PAYOUT_MOVES, NOW, LEASE)
    assert apply_answer(payout, PAYOUT_MOVES, SILENCE, NOW) == "unresolved"
    take(payout, PAYOUT_MOVES, NOW, LEASE)
    assert apply_answer(payout, PAYOUT_MOVES, SILENCE, NOW) == "unknown"
    assert payout.next_attempt_at == NOW + timedelta(days=1)


def test_a_transient_refusal_at_the_last_attempt_fails_the_transfer() -> None:
    payout = a_payout(PayoutStatus.SCHEDULED, attempts=MAX_ATTEMPTS - 1)
    take(payout, PAYOUT_MOVES, NOW, LEASE)
    assert apply_answer(payout, PAYOUT_MOVES, REFUSED, NOW) == "failed"


def test_a_paid_payout_is_left_only_by_a_return_and_a_cancelled_one_never() -> None:
    assert {event for (state, event) in PAYOUT_MOVES.table if state == "paid"} == {"returned"}
    assert PAYOUT_MOVES.final() == {"cancelled"}
    assert SETTLEMENT_MOVES.final() == {"paid", "failed"}


def test_settled_states_are_those_no_worker_claims() -> None:
    assert frozenset(PayoutStatus) - set(CLAIMABLE) == SETTLED
    for state in SETTLED:
        assert not PAYOUT_MOVES.allows(state, TransferEvent.CLAIM)


def test_a_table_refuses_two_moves_for_one_state_and_event() -> None:
    with pytest.raises(ValueError, match="two moves"):
        Moves("thing", [(["a"], "go", "b"), (["a"], "go", "c")])


def test_an_illegal_move_names_the_record_the_state_and_the_event() -> None:
    payout = a_payout(PayoutStatus.CANCELLED)
    with pytest.raises(InvalidTransition, match="a payout that is cancelled cannot take the event resend"):
        move(payout, PAYOUT_MOVES, TransferEvent.RESEND, NOW)
    assert payout.status == "cancelled"


def test_docs_architecture_carries_the_state_machines_of_the_code() -> None:
    text = ARCHITECTURE.read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == render_markdown(), (
        "docs/architecture.md is stale: paste the output of `python -m skillsprogram.domain.machines`"
    )


# --- properties --------------------------------------------------------------------------

#: A worker's step: claim the payout (``None``), or come back with an answer under the token
#: it got from its n-th claim.
steps = st.lists(
    st.one_of(st.none(), st.tuples(st.integers(min_value=0, max_value=12), st.sampled_from(ANSWERS))),
    max_size=40,
)


@given(steps)
def test_no_sequence_of_claims_and_answers_pays_a_transfer_twice(sequence: list) -> None:
    """Workers racing over one payout (claims overtaking each other, late answers, every
    kind of answer in any order) book it paid at most once, and once paid it stays paid."""
    payout = a_payout()
    tokens: list[int] = []
    paid = 0
    for step in sequence:
        settled_before = payout.status in SETTLED
        status_before = payout.status
        if step is None:
            if PAYOUT_MOVES.allows(payout.status, TransferEvent.CLAIM):
                take(payout, PAYOUT_MOVES, NOW, LEASE)
                tokens.append(payout.attempts)
            continue
        claim, answer = step
        if claim >= len(tokens) or not still_held(payout, tokens[claim]):
            continue  # an overtaken worker records nothing
        paid += apply_answer(payout, PAYOUT_MOVES, answer, NOW) == "paid"
        assert not settled_before, status_before
    assert paid <= 1
    assert paid == (payout.status == "paid")


@given(st.lists(st.sampled_from(list(TransferEvent)), max_size=30))
def test_a_final_state_never_changes_and_every_state_is_known(events: list[TransferEvent]) -> None:
    """Whatever events arrive, a transfer is always in a state of the enum, a refused event
    leaves it as it was, and once cancelled it never moves again."""
    payout = a_payout()
    for event in events:
        before = payout.status
        try:
            move(payout, PAYOUT_MOVES, event, NOW)
        except InvalidTransition:
            assert payout.status == before
        else:
            assert before not in PAYOUT_MOVES.final()
        assert payout.status in set(PayoutStatus)


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_backoff_is_bounded_and_never_shrinks(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert timedelta(minutes=5) <= backoff(low) <= backoff(high) <= LONGEST_WAIT


def test_backoff_doubles_from_five_minutes() -> None:
    assert [backoff(n) for n in (0, 1, 2, 3)] == [timedelta(minutes=m) for m in (5, 5, 10, 20)]
    assert backoff(MAX_ATTEMPTS * 10) == LONGEST_WAIT
