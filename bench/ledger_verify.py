"""Benchmark: wall time of ``skillsprogram ledger verify`` as the programme grows.

Runs the demo at a baseline size and at the target size (each in its own
SQLite file), then times ``ledger verify`` on each in a child process and prints
the absolute figures with the ratio to the baseline measured in the same run:
the machine is shared, so the ratio (ideally the size ratio or below: every
check is a handful of set-based queries) is the figure to compare between runs.

    python bench/ledger_verify.py --applicants 50000 --baseline 10000
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def verify_seconds(applicants: int, country: str) -> tuple[float, int]:
    """Seconds ``ledger verify`` takes on a demo of ``applicants``, and the transactions it checked."""
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "SKILLSPROGRAM_HOME": home}
        command = [sys.executable, "-m", "skillsprogram.cli"]
        demo = [*command, "demo", "--country", country, "--applicants", str(applicants), "--seed", "1"]
        subprocess.run(demo, check=True, env=env, stdout=subprocess.DEVNULL)
        database = Path(home) / "skillsprogram.db"
        with sqlite3.connect(database) as db:
            (code,) = db.execute("select code from programme").fetchone()
            (transactions,) = db.execute("select count(*) from ledger_transaction").fetchone()
        started = time.perf_counter()
        subprocess.run(
            [*command, "ledger", "verify", "-p", code], check=True, env=env, stdout=subprocess.DEVNULL
        )
        return time.perf_counter() - started, int(transactions)


def main() -> None:
    """Print the verify time at both sizes and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=50_000)
    parser.add_argument("--baseline", type=int, default=10_000)
    parser.add_argument("--country", default="indonesia")
    args = parser.parse_args()
    base_seconds, base_rows = verify_seconds(args.baseline, args.country)
    seconds, rows = verify_seconds(args.applicants, args.country)
    print(
        f"baseline {args.baseline:>9,} applicants: {base_rows:>9,} transactions, verify {base_seconds:6.2f} s"
    )
    print(f"target   {args.applicants:>9,} applicants: {rows:>9,} transactions, verify {seconds:6.2f} s")
    print(f"size ratio {rows / base_rows:.2f}, time ratio {seconds / base_seconds:.2f}")


if __name__ == "__main__":
    main()
