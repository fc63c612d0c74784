"""Per-item results of batch services: a value, or the rule that refused that item."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from skillsprogram.errors import DomainError

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """What became of one item of a batch. Refused items wrote nothing."""

    value: T | None = None
    error: DomainError | None = None

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
