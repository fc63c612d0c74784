"""The parent of worker processes notices each way a worker can end, and never waits for ever."""

from __future__ import annotations

import time

import pytest

from skillsprogram.cli.processes import run_workers
from tests.money.roles import play

#: (roles of the workers, what the parent must report about each dead one)
ENDINGS = [
    (("waits", "killed"), "was killed by SIGKILL"),
    (("raises", "waits"), "failed: RuntimeError: the rail's books are unreadable"),
    (("waits", "exits"), "exited with code 3 without a result"),
    (("waits", "waits", "killed"), "was killed by SIGKILL"),
]


@pytest.mark.parametrize(("roles", "how"), ENDINGS, ids=["-".join(r) for r, _ in ENDINGS])
def test_a_dead_worker_is_reported_and_the_others_stop_with_their_results(
    roles: tuple[str, ...], how: str
) -> None:
    began = time.monotonic()
    crew = run_workers(play, (roles,), len(roles), grace=60)
    assert time.monotonic() - began < 30
    dead = roles.index(next(r for r in roles if r != "waits")) + 1
    assert [(d.number, d.how) for d in crew.deaths] == [(dead, how)]
    assert crew.deaths[0].pid > 0
    survivors = [n for n in range(1, len(roles) + 1) if n != dead]
    assert sorted(crew.results) == [f"worker {n} stopped" for n in survivors]


def test_workers_that_all_finish_give_every_result_and_no_death() -> None:
    crew = run_workers(play, (("done", "done"),), 2, grace=60)
    assert (sorted(crew.results), crew.deaths) == (["worker 1 done", "worker 2 done"], [])


def test_a_worker_still_running_after_the_grace_is_terminated_and_reported() -> None:
    began = time.monotonic()
    crew = run_workers(play, (("hangs", "killed"),), 2, grace=1)
    assert time.monotonic() - began < 30
    assert [(d.number, d.how) for d in crew.deaths] == [
        (2, "was killed by SIGKILL"),
        (1, "was terminated, still running 1 s after the first death"),
    ]
    assert crew.results == []
