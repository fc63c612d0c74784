"""Named crash points for fault-injection tests of the money-moving workers.

A worker calls :func:`checkpoint` at the moments where a crash is most
dangerous (after claiming, before sending, after the rail answered, after
committing). When ``SKILLSPROGRAM_FAULT`` names that point, the process kills
itself with SIGKILL, exactly as a machine losing power or an OOM kill would:
no ``finally`` block, no rollback, no goodbye. ``point:N`` kills it on the N-th
time the point is reached. A variable naming no known point is refused (a misspelt
point would otherwise never crash, and a crash test would pass without crashing).
Unset (always, in production), a checkpoint costs a dictionary look-up.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

FAULT_ENV = "SKILLSPROGRAM_FAULT"

#: The crash points of the payout worker, in the order one payout reaches them.
PAYOUT_POINTS = ("after_claim", "before_send", "after_send", "after_commit")

_reached: Counter[str] = Counter()


def checkpoint(point: str) -> None:
    """Die here (SIGKILL) if the fault environment variable names this point."""
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    name, _, nth = spec.partition(":")
    if name not in PAYOUT_POINTS:
        raise ValueError(f"{FAULT_ENV}={spec!r} names no crash point; known: {', '.join(PAYOUT_POINTS)}")
    if name != point:
        return
    _reached[point] += 1
    if _reached[point] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
