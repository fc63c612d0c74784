"""Per-item results of batch services: a value, or the rule that refused that item."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from skillsprogram.errors import DomainError

T = TypeVar("T")
ItemT = TypeVar("ItemT")


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """What became of one item of a batch. Refused items wrote nothing."""

    value: T | None = None
    error: DomainError | None = None

    def __post_init__(self) -> None:
        # A caught error's traceback holds the frames of the batch that refused it, and
        # through them the whole batch: kept in an outcome, it would keep every chunk
        # of a wave-sized step alive until the cyclic garbage collector ran.
        cause: BaseException | None = self.error
        seen: set[int] = set()
        while cause is not None and id(cause) not in seen:
            seen.add(id(cause))
            cause.__traceback__ = None
            cause = cause.__cause__ or cause.__context__

    @property
    def ok(self) -> bool:
        """True when the item was accepted."""
        return self.error is None

    def unwrap(self) -> T:
        """The value, or raise the error that refused the item."""
        if self.error is not None:
            raise self.error
        assert self.value is not None
        return self.value


def single(outcomes: Sequence[Outcome[T]]) -> T:
    """The value of a one-item batch (raising its error): the per-person wrappers use it."""
    (outcome,) = outcomes
    return outcome.unwrap()


def each(items: Iterable[ItemT], check: Callable[[ItemT], T]) -> list[Outcome[T]]:
    """Run ``check`` on every item, in order: its value is the item's outcome, and a
    :class:`DomainError` it raises refuses that item alone. Any other exception is a fault,
    not a refusal, and propagates (the batch's transaction then rolls back).

    ``check`` must not have written anything before it raises, so a refused item leaves no
    trace; checks that must write first run in a savepoint of their own.
    """
    outcomes: list[Outcome[T]] = []
    for item in items:
        try:
            outcomes.append(Outcome(check(item)))
        except DomainError as error:
            outcomes.append(Outcome(error=error))
    return outcomes
