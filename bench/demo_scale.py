"""Benchmark: wall time and peak memory of ``skillsprogram demo`` at scale.

Runs the demo as a separate process (so peak RSS is the demo's own) at a
baseline size and at the target size, on SQLite and, when reachable, on
PostgreSQL, and prints absolute figures with the ratio to the baseline measured
in the same run: the machine is shared, so the ratio (ideally the size ratio or
below) is the figure to compare between runs.

    python bench/demo_scale.py --applicants 100000 --baseline 10000
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, create_engine, text

#: Runs the command line in the child and records the child's own peak RSS (KiB).
CHILD = """
import resource, sys
from pathlib import Path
peak_file = sys.argv[1]
sys.argv = ["skillsprogram", *sys.argv[2:]]
from skillsprogram.cli.main import app
try:
    app(standalone_mode=False)
finally:
    Path(peak_file).write_text(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
"""

TARGET_SECONDS = 60
TARGET_MIB = 300


def run_demo(applicants: int, country: str, database_url: str | None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one demo run in a child process."""
    arguments = ["demo", "--country", country, "--applicants", str(applicants), "--seed", "1"]
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as home:
        env["SKILLSPROGRAM_HOME"] = home
        if database_url:
            arguments += ["--database-url", database_url, "--reset"]
        peak_file = Path(home) / "peak"
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", CHILD, str(peak_file), *arguments],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        elapsed = time.perf_counter() - started
        peak_kib = int(peak_file.read_text())
    return elapsed, peak_kib / 1024


def postgres_database(admin_url: str) -> tuple[str, str] | None:
    """A fresh PostgreSQL database for the run, named after this process (so that two runs on
    one server never meet), as (URL, name); None when no server answers."""
    name = f"sp_bench{os.getpid()}_{secrets.token_hex(4)}"
    try:
        with _admin(admin_url) as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
        return None
    return admin_url.rsplit("/", 1)[0] + "/" + name, name


def drop_database(admin_url: str, name: str) -> None:
    """Drop the run's database."""
    with _admin(admin_url) as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def _admin(admin_url: str) -> Iterator[Connection]:
    engine = create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--applicants", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=10_000)
    parser.add_argument("--country", default="indonesia")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "SKILLSPROGRAM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    rows = []
    for database in args.databases.split(","):
        url = name = None
        if database == "postgresql":
            created = postgres_database(args.postgres)
            if created is None:
                continue
            url, name = created
        try:
            base_s, _base_mib = run_demo(args.baseline, args.country, url)
            full_s, full_mib = run_demo(args.applicants, args.country, url)
        finally:
            if name is not None:
                drop_database(args.postgres, name)
        rows.append((database, base_s, full_s, full_mib))
    print(
        f"{'database':<11} {'baseline':>10} {'target':>10} {'ratio':>7} {'size ratio':>10} "
        f"{'peak MiB':>9}  goal: < {TARGET_SECONDS} s, < {TARGET_MIB} MiB at the target size"
    )
    for database, base_s, full_s, full_mib in rows:
        print(
            f"{database:<11} {base_s:>9.1f}s {full_s:>9.1f}s {full_s / base_s:>7.2f} "
            f"{args.applicants / args.baseline:>10.1f} {full_mib:>9.0f}"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()
