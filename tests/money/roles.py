"""Jobs for worker processes that end in every way a worker can (kept small: each worker
process imports this module)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable


def play(roles: tuple[str, ...], should_stop: Callable[[], bool]) -> str:
    """Worker N plays ``roles[N - 1]``: ``done`` (returns at once), ``waits`` (until told to
    stop), ``hangs`` (never ends by itself), ``killed`` (SIGKILL), ``raises``, ``exits``
    (with code 3, no result)."""
    number = int(multiprocessing.current_process().name.rpartition("-")[2])
    role = roles[number - 1]
    time.sleep(0.2)  # every worker has started before any ends
    if role == "killed":
        os.kill(os.getpid(), signal.SIGKILL)
    if role == "raises":
        raise RuntimeError("the rail's books are unreadable\nsecond line")
    if role == "exits":
        os._exit(3)
    while role == "hangs" or (role == "waits" and not should_stop()):
        time.sleep(0.05)
    return f"worker {number} {'stopped' if role == 'waits' else 'done'}"
