"""What every step of the demo shares: its state, its progress reporting and the way it
runs a batch service a chunk per transaction."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from skillsprogram.clock import FixedClock
from skillsprogram.config import DemoSettings
from skillsprogram.context import ProgrammeContext
from skillsprogram.services import reports
from skillsprogram.services.outcomes import Outcome
from skillsprogram.storage.uow import UnitOfWork, slices

T = TypeVar("T")
V = TypeVar("V")


class StepReporter:
    """Told about progress by the simulation; the CLI shows it with progress bars."""

    def step(self, name: str, total: int | None = None) -> Callable[[int], None]:
        """Start a step; returns a function to call with each chunk's size."""
        return lambda _n: None

    def done(self, name: str, summary: str) -> None:
        """A step finished."""


@dataclass
class DemoResult:
    """What the demo did, beyond what the database report shows."""

    refused_at_registration: Counter[str] = field(default_factory=Counter)
    seed: str = ""
    quota: int = 0
    payout_outcomes: Counter[str] = field(default_factory=Counter)
    """What each send of a payout came to (a payout resent after a timeout counts twice)."""
    payouts: list[tuple[str, str, int, int]] = field(default_factory=list)
    """(status, currency, payouts, amount) once paying is done: each payout once."""
    settlement_outcomes: Counter[str] = field(default_factory=Counter)
    funnel: reports.Funnel | None = None


@dataclass
class DemoRun:
    """One demo run: the programme, its clock, the progress shown, the seeded generator
    every made-up choice is drawn from (in the order the steps run) and what was found."""

    ctx: ProgrammeContext
    clock: FixedClock
    reporter: StepReporter
    rng: random.Random
    result: DemoResult

    @property
    def rates(self) -> DemoSettings:
        """The ``[demo]`` rates of the configuration."""
        return self.ctx.config.demo

    def batched(
        self, name: str, items: list[T], action: Callable[[UnitOfWork, list[T]], list[Outcome[V]]]
    ) -> list[V]:
        """Run a batch service on ``items`` (see :func:`batched`)."""
        return batched(self.ctx, self.reporter, name, items, action)


def batched(
    ctx: ProgrammeContext,
    reporter: StepReporter,
    name: str,
    items: list[T],
    action: Callable[[UnitOfWork, list[T]], list[Outcome[V]]],
) -> list[V]:
    """Call a batch service on ``items`` a chunk per transaction; returns the accepted values.

    Refusals are counted by rule, like people whose request was turned down.
    """
    tick = reporter.step(name, len(items))
    done: list[V] = []
    refused: Counter[str] = Counter()
    for chunk in slices(items):
        with ctx.transaction() as uow:
            outcomes = action(uow, chunk)
        for outcome in outcomes:
            if outcome.error is not None:
                refused[outcome.error.code] += 1
            else:
                done.append(outcome.unwrap())
        tick(len(chunk))
    summary = f"{len(done):,} done" + (f", refused: {dict(refused)}" if refused else "")
    reporter.done(name, summary)
    return done
