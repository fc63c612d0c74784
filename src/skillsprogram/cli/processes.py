"""Run one job in several worker processes and watch them: a worker that dies is noticed.

The parent waits on each worker's pipe and on its process sentinel at once
(:func:`multiprocessing.connection.wait`), so a worker killed by a signal, one that
exits without answering and one whose job raised are all seen the moment they end,
never waited for. After a death the survivors are asked to stop (an event their job
checks between chunks) and finish what they hold; one that has not stopped after
``grace`` seconds is terminated. The parent then reports each worker that died,
which and how.

Why not :class:`concurrent.futures.ProcessPoolExecutor`: when one of its workers dies,
the pool is broken and terminates every other worker at once (its queues may be in a
dirty state), and the futures say only ``BrokenProcessPool``. A payout worker killed
mid-chunk is survivable (its leases expire), but survivors terminated in the middle of a
send are what the lease must then repair too, and the report could not name which
worker died or how. Here survivors finish the payout they hold before they stop.
"""

from __future__ import annotations

import multiprocessing
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: Seconds a terminated worker gets to end before it is killed.
TERMINATE_WAIT = 5.0


@dataclass(frozen=True, slots=True)
class WorkerDeath:
    """A worker that ended without its job's result: which (1-based), its pid, and how."""

    number: int
    pid: int
    how: str


@dataclass
class CrewResult(Generic[T]):
    """The results of the workers that finished, and the workers that did not."""

    results: list[T] = field(default_factory=list)
    deaths: list[WorkerDeath] = field(default_factory=list)


@dataclass
class _Worker:
    number: int
    process: Any
    answers: Connection
    answered: bool = False
    ended: bool = False


def _serve(job: Callable[..., Any], args: tuple[Any, ...], stop: Any, answers: Connection) -> None:
    """A worker process: run ``job(*args, stop.is_set)`` and send back its result, or why
    it raised (then exit 1)."""
    try:
        result = job(*args, stop.is_set)
    except Exception as exc:
        message = str(exc).strip().splitlines()
        answers.send(("failed", f"{type(exc).__name__}: {message[0] if message else ''}".rstrip(": ")))
        answers.close()
        raise SystemExit(1) from None
    answers.send(("done", result))
    answers.close()


def how_it_ended(exitcode: int | None) -> str:
    """Words for a process's exit code (negative: the signal that killed it)."""
    if exitcode is None:
        return "did not end"
    if exitcode < 0:
        try:
            return f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"was killed by signal {-exitcode}"
    return f"exited with code {exitcode} without a result"


def run_workers(job: Callable[..., T], args: tuple[Any, ...], count: int, grace: float) -> CrewResult[T]:
    """Run ``job(*args, should_stop)`` in ``count`` processes at once and collect what each
    returns; ``should_stop()`` turns true once a worker has died, and a job checks it to
    stop early. Returns when every worker has ended; survivors still running ``grace``
    seconds after the first death are terminated."""
    spawn = multiprocessing.get_context("spawn")
    stop = spawn.Event()
    crew: list[_Worker] = []
    for number in range(1, count + 1):
        receiver, sender = spawn.Pipe(duplex=False)
        process = spawn.Process(
            target=_serve, args=(job, args, stop, sender), name=f"worker-{number}", daemon=True
        )
        process.start()
        sender.close()  # the worker holds the only writing end: its death closes the pipe
        crew.append(_Worker(number, process, receiver))
    outcome: CrewResult[T] = CrewResult()
    deadline: float | None = None
    while running := [w for w in crew if not w.ended]:
        timeout = None if deadline is None else max(deadline - time.monotonic(), 0.0)
        awaited = [w.answers for w in running if not w.answered] + [w.process.sentinel for w in running]
        ready = set(wait(awaited, timeout))
        if not ready:
            for worker in running:
                _stop(worker, outcome, f"was terminated, still running {grace:g} s after the first death")
            break
        for worker in running:
            if worker.answers in ready or worker.process.sentinel in ready:
                _collect(worker, outcome)
        if outcome.deaths and deadline is None:
            stop.set()
            deadline = time.monotonic() + grace
    return outcome


def _collect(worker: _Worker, outcome: CrewResult[Any]) -> None:
    """Take ``worker``'s answer if there is one; once its process has ended, record how."""
    if not worker.answered and worker.answers.poll():
        try:
            status, value = worker.answers.recv()
        except (EOFError, OSError):
            status, value = "gone", None
        if status == "done":
            outcome.results.append(value)
            worker.answered = True
        elif status == "failed":
            outcome.deaths.append(WorkerDeath(worker.number, worker.process.pid, f"failed: {value}"))
            worker.answered = True
    if not worker.process.is_alive():
        worker.process.join()
        worker.ended = True
        if not worker.answered:
            how = how_it_ended(worker.process.exitcode)
            outcome.deaths.append(WorkerDeath(worker.number, worker.process.pid, how))
        worker.answers.close()


def _stop(worker: _Worker, outcome: CrewResult[Any], how: str) -> None:
    worker.process.terminate()
    worker.process.join(TERMINATE_WAIT)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join()
    worker.ended = True
    if not worker.answered:
        outcome.deaths.append(WorkerDeath(worker.number, worker.process.pid, how))
