"""Benchmark: every dashboard view on a national programme (1,000,000 applicants) on PostgreSQL.

Loads the programme with :mod:`national_data` (bare SQL, a few minutes; ``--reuse`` keeps
a database already loaded), then times, each as the median and the 95th percentile of
``--runs`` runs:

- ``refresh`` of the figures' tallies from the audit log, from empty (the tallies are
  emptied first), then again after a few thousand new events (the incremental case a running programme
  meets every few minutes);
- each report in ``skillsprogram.services.figures.REPORTS`` with no filter, one wave,
  one province, one regency and a range of days;
- the funnel of :mod:`skillsprogram.services.reports` (what ``skillsprogram report``
  prints), for comparison;
- a baseline in the same run: ``SELECT count(*)`` and one bare ``GROUP BY status`` over
  ``application``. The machine is shared, so each view's ratio to the baseline is the
  figure to compare between runs.

It prints a table, says whether every view answers within the goal (0.5 s), and writes the
figures as JSON. For each slow view it prints the slowest SQL statement the view ran and
its ``EXPLAIN (ANALYZE, BUFFERS)``.

    python bench/dashboard_scale.py --applicants 1000000 --runs 5 --json dashboard_scale.json
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, text
from sqlmodel import col

sys.path.insert(0, str(Path(__file__).resolve().parent))
import national_data

from skillsprogram.context import ProgrammeContext, load_programme
from skillsprogram.domain.figures import ReportFilter
from skillsprogram.domain.models import EventCursor
from skillsprogram.privacy import PersonalDataVault
from skillsprogram.services import reports
from skillsprogram.storage import migrate

GOAL_SECONDS = 0.5
PROGRAMME = "prakerja-2023"
NEW_EVENTS_APPLICANTS = 2_000
"""New registrations for the incremental refresh (each writes a few events)."""


@dataclass
class Figure:
    """One timed view: seconds of each run, their median and 95th percentile."""

    name: str
    filter: str
    runs: list[float] = field(default_factory=list)
    median: float = 0.0
    p95: float = 0.0
    ratio: float | None = None
    rows: int | None = None

    def settle(self, baseline: float | None) -> None:
        """Compute the median, the 95th percentile and the ratio to ``baseline``."""
        ordered = sorted(self.runs)
        self.median = statistics.median(ordered)
        self.p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        self.ratio = self.median / baseline if baseline else None


class StatementLog:
    """The SQL statements an engine ran while recording, with their seconds."""

    def __init__(self, engine: Engine) -> None:
        self.recording = False
        self.statements: list[tuple[float, str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if self.recording:
            self.statements.append((time.perf_counter() - conn.info["bench_started"], statement, parameters))

    @contextmanager
    def record(self) -> Iterator[list[tuple[float, str, Any]]]:
        """Record the statements run inside the block."""
        self.statements = []
        self.recording = True
        try:
            yield self.statements
        finally:
            self.recording = False


def timed(runs: int, work: Callable[[], Any]) -> tuple[list[float], Any]:
    """Seconds of each of ``runs`` runs of ``work`` (after one warm-up run), and its result."""
    result = work()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def filters(engine: Engine) -> dict[str, ReportFilter]:
    """The filters each view is timed with: none, wave 1, the largest province, its
    largest regency, and the first month of the programme."""
    with engine.connect() as conn:
        regency = conn.execute(
            text("SELECT region_code FROM application GROUP BY region_code ORDER BY count(*) DESC LIMIT 1")
        ).scalar_one()
        province = conn.execute(
            text("SELECT parent_code FROM region WHERE code = :c"), {"c": regency}
        ).scalar_one()
        opened = conn.execute(text("SELECT min(opens_at) FROM wave")).scalar_one()
    start = opened.date()
    return {
        "none": ReportFilter(),
        "wave 1": ReportFilter(wave=1),
        f"province {province}": ReportFilter(region=province),
        f"regency {regency}": ReportFilter(region=regency),
        "one month": ReportFilter(since=start, until=date.fromordinal(start.toordinal() + 30)),
    }


def explain(engine: Engine, statement: str, parameters: Any) -> str:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of one statement, as text."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        raw.rollback()
        return plan
    finally:
        raw.close()


def figures_module() -> Any | None:
    """``skillsprogram.services.figures`` when this tree has it."""
    try:
        return importlib.import_module("skillsprogram.services.figures")
    except ImportError:
        return None


def empty_tallies(figures: Any, ctx: ProgrammeContext) -> None:
    """Forget what the figures' tallies took in (their rows and their cursor), so that the
    next refresh starts from empty."""
    tallies = figures.tallies
    with ctx.uow() as uow:
        for model in (tallies.ReportTally, tallies.ReportMilestone):
            uow.session.execute(delete(model))
        uow.session.execute(delete(EventCursor).where(col(EventCursor.consumer) == tallies.CONSUMER))
        uow.commit()


def context(url: str) -> ProgrammeContext:
    """The programme's context on the bench database (a throwaway vault: no report decrypts)."""
    return load_programme(create_engine(url), PersonalDataVault("bench-dashboard-secret"), PROGRAMME)


def run(args: argparse.Namespace) -> dict[str, Any]:
    url = national_data.database_url(args.database)
    if not args.reuse:
        print(f"Loading {args.applicants:,} applicants into {args.database} ...", flush=True)
        url, seconds = national_data.build(args.database, args.applicants, quiet=not args.verbose)
        print(f"Loaded in {seconds:.0f} s.", flush=True)
    migrate.upgrade(url)  # a database loaded by an older tree gains the newer tables
    counts, failures = national_data.check(url)
    ctx = context(url)
    engine = ctx.engine
    log = StatementLog(engine)
    out: list[Figure] = []

    def measure(name: str, label: str, work: Callable[[], Any], runs: int = args.runs) -> Figure:
        seconds, result = timed(runs, work)
        figure = Figure(name, label, seconds)
        figure.rows = len(result.rows) if hasattr(result, "rows") else None
        out.append(figure)
        return figure

    def sql(statement: str) -> Callable[[], Any]:
        def work() -> Any:
            with engine.connect() as conn:
                return conn.execute(text(statement), {"pid": ctx.pid}).all()

        return work

    count = measure("baseline: count(*) application", "none", sql("SELECT count(*) FROM application"))
    measure(
        "baseline: GROUP BY status",
        "none",
        sql("SELECT status, count(*) FROM application WHERE programme_id = :pid GROUP BY status"),
    )

    def old_funnel() -> Any:
        with ctx.uow() as uow:
            return reports.funnel(uow, ctx)

    figures = figures_module()
    slow: list[dict[str, Any]] = []
    if figures is None:
        print("skillsprogram.services.figures is not in this tree: only the baseline and the old funnel.")
    else:
        empty_tallies(figures, ctx)
        out.append(Figure("refresh (from empty)", "none", [_once(lambda: figures.refresh(ctx))]))
        national_data.add_registrations(url, NEW_EVENTS_APPLICANTS)
        out.append(Figure("refresh (incremental)", "none", [_once(lambda: figures.refresh(ctx))]))
    measure("services.reports.funnel (CLI)", "none", old_funnel, runs=max(1, min(args.runs, 3)))
    if figures is not None:
        for key, report in figures.REPORTS.items():
            for label, narrowed in filters(engine).items():

                def view(report: Any = report, narrowed: ReportFilter = narrowed) -> Any:
                    with ctx.uow() as uow:
                        return report(uow, ctx, narrowed)

                figure = measure(f"report {key}", label, view)
                if figure.runs and statistics.median(figure.runs) > GOAL_SECONDS:
                    with log.record() as statements:
                        view()
                    took, statement, parameters = max(statements, key=lambda s: s[0])
                    slow.append(
                        {
                            "view": f"{key} ({label})",
                            "statement_seconds": took,
                            "statement": statement,
                            "parameters": repr(parameters),
                            "plan": explain(engine, statement, parameters),
                        }
                    )
    count.settle(None)
    for figure in out:
        figure.settle(count.median)
    return {
        "applicants": counts["application"],
        "rows": counts,
        "consistency_failures": failures,
        "goal_seconds": GOAL_SECONDS,
        "figures": [asdict(f) for f in out],
        "slow": slow,
    }


def _once(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def show(result: dict[str, Any]) -> bool:
    """Print the figures; whether every view met the goal."""
    print(f"\n{result['applicants']:,} applications; {result['rows']['audit_event']:,} audit events.")
    print(f"{'view':<48} {'filter':<16} {'median s':>9} {'p95 s':>8} {'ratio':>8}")
    views_ok = True
    for f in result["figures"]:
        ratio = "" if f["ratio"] is None else f"{f['ratio']:.1f}"
        mark = ""
        if f["name"].startswith("report "):
            within = f["median"] <= GOAL_SECONDS
            views_ok &= within
            mark = "" if within else "  SLOW"
        print(f"{f['name']:<48} {f['filter']:<16} {f['median']:>9.3f} {f['p95']:>8.3f} {ratio:>8}{mark}")
    for slow in result["slow"]:
        print(
            f"\nSLOW {slow['view']}: slowest statement {slow['statement_seconds']:.3f} s\n{slow['statement']}"
        )
        print(slow["plan"])
    reports_timed = any(f["name"].startswith("report ") for f in result["figures"])
    if not reports_timed:
        print("\nNo dashboard view timed (no REPORTS in this tree).")
    elif views_ok:
        print(f"\nEvery dashboard view answers within {GOAL_SECONDS} s (median).")
    else:
        print(f"\nNOT every dashboard view answers within {GOAL_SECONDS} s: see SLOW above.")
    failed = {k: v for k, v in result["consistency_failures"].items() if v}
    print("Data consistency: " + ("OK" if not failed else f"FAILED {failed}"))
    return views_ok and not failed


def main() -> None:
    parser = national_data.argument_parser(__doc__)
    parser.add_argument("--reuse", action="store_true", help="keep the database already loaded")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path, default=Path("dashboard_scale.json"))
    parser.add_argument("--verbose", action="store_true", help="print each load step's time")
    args = parser.parse_args()
    result = run(args)
    args.json.write_text(json.dumps(result, indent=2, default=str))
    ok = show(result)
    print(f"Figures written to {args.json}.")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
