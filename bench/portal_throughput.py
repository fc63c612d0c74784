"""Benchmark: the portal's pages against the API routes that serve the same data.

Loads a demo (by default 100,000 applicants on PostgreSQL), serves it with
``skillsprogram serve`` in a child process (one uvicorn worker, as a deployment runs
each), and loads it from this process with concurrent keep-alive clients, in alternating
rounds so that the machine's noise falls on both alike:

- the applicant's timeline page ``/me`` against ``GET /v1/applications/{id}/timeline``;
- the catalogue page ``/courses`` against ``GET /v1/courses``.

It prints each side's throughput (median of the rounds) and the portal's share of the
API's (the goal: at least 80 %), and the mean latency each adds. The ratio is the figure
to compare between runs: the machine is shared.

    python bench/portal_throughput.py --applicants 100000
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from itsdangerous import TimestampSigner
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_scale import drop_database, postgres_database

GOAL = 0.80


@dataclass(frozen=True)
class Pair:
    """A portal page and the API route that serves the same data."""

    name: str
    portal: Callable[[str], tuple[str, dict[str, str]]]
    api: Callable[[str], tuple[str, dict[str, str]]]


def free_port() -> int:
    """A port no one listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def session_cookie(secret: str, values: dict[str, str]) -> str:
    """A portal session cookie holding ``values``, signed as Starlette's session middleware
    signs it (the bench signs in without sending codes)."""
    data = base64.b64encode(json.dumps(values).encode())
    return TimestampSigner(secret).sign(data).decode()


async def load(
    base: str, requests: list[tuple[str, dict[str, str]]], clients: int, seconds: float
) -> tuple[int, float]:
    """Requests completed in ``seconds`` by ``clients`` concurrent keep-alive clients, and
    their mean latency (ms); every answer must be 200."""
    done = 0
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client(offset: int) -> None:
        nonlocal done
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            index = offset
            while time.perf_counter() < deadline:
                path, headers = requests[index % len(requests)]
                index += clients
                started = time.perf_counter()
                answer = await http.get(path, headers=headers)
                latencies.append(time.perf_counter() - started)
                if answer.status_code != 200:
                    raise SystemExit(f"{path}: {answer.status_code} {answer.text[:300]}")
                done += 1

    await asyncio.gather(*(client(n) for n in range(clients)))
    return done, 1000 * statistics.fmean(latencies)


def wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    """Wait for the server to answer its health check."""
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit("the server stopped")
        try:
            if httpx.get(base + "/v1/health", timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--applicants", type=int, default=100_000)
    parser.add_argument("--country", default="indonesia")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "SKILLSPROGRAM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--sqlite", action="store_true", help="Use a SQLite file instead of PostgreSQL")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0, help="Length of each round")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()

    from skillsprogram.api import ApiSettings, create_app
    from skillsprogram.bootstrap import country_config
    from skillsprogram.config import load_config

    programme = load_config(country_config(args.country, None)).programme.code
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "SKILLSPROGRAM_HOME": home, "SKILLSPROGRAM_REGISTRATION_LIMIT": "1000000"}
        name = None
        if args.sqlite:
            url = f"sqlite:///{home}/bench.db"
        else:
            created = postgres_database(args.postgres)
            if created is None:
                raise SystemExit("PostgreSQL is not reachable")
            url, name = created
        try:
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "skillsprogram.cli", "demo", "--country", args.country,
                 "--applicants", str(args.applicants), "--seed", "1", "--database-url", url, "--reset"],
                check=True, env=env, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            print(f"demo of {args.applicants:,} applicants loaded in {time.perf_counter() - started:.0f} s")
            os.environ["SKILLSPROGRAM_HOME"] = home
            settings = ApiSettings(programme=programme, database_url=url)
            state = create_app(settings, portal=False).state.api
            engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
            with engine.connect() as conn:
                ids = [str(row[0]) for row in conn.execute(text("SELECT id FROM application"))]
            engine.dispose()
            chosen = random.Random(1).sample(ids, min(500, len(ids)))
            secret = settings.session_key()

            def me(application_id: str) -> tuple[str, dict[str, str]]:
                cookie = session_cookie(secret, {"application": application_id, "csrf": "bench" * 8})
                return "/me", {"cookie": f"skillsprogram_session={cookie}"}

            def timeline(application_id: str) -> tuple[str, dict[str, str]]:
                token = state.tokens.for_applicant(uuid.UUID(application_id)).access_token
                return f"/v1/applications/{application_id}/timeline", {"authorization": f"Bearer {token}"}

            pairs = [
                Pair("timeline", me, timeline),
                Pair("catalogue", lambda _: ("/courses", {}), lambda _: ("/v1/courses", {})),
            ]
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server = subprocess.Popen(
                [sys.executable, "-m", "skillsprogram.cli", "serve", "--programme", programme,
                 "--database-url", url, "--port", str(port)],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            try:
                wait_until_up(base, server)
                report(pairs, chosen, base, args)
            finally:
                server.terminate()
                server.wait(30)
        finally:
            if name is not None:
                drop_database(args.postgres, name)


def report(pairs: list[Pair], chosen: list[str], base: str, args: argparse.Namespace) -> None:
    """Alternate rounds of each side of each pair and print the medians and the ratio."""
    print(
        f"{'page':<10} {'portal req/s':>12} {'API req/s':>10} {'ratio':>6} {'portal ms':>10} {'API ms':>7}"
        f"  goal: ratio >= {GOAL:.2f} ({args.clients} clients, {args.rounds} rounds of {args.seconds:.0f} s)"
    )
    for pair in pairs:
        if httpx.get(base + pair.portal(chosen[0])[0]).status_code == 404:
            print(f"{pair.name:<10} (no such page in this version)")
            continue
        portal_requests = [pair.portal(a) for a in chosen]
        api_requests = [pair.api(a) for a in chosen]
        asyncio.run(load(base, portal_requests, args.clients, 1.0))  # warm both up
        asyncio.run(load(base, api_requests, args.clients, 1.0))
        portal, api, portal_ms, api_ms = [], [], [], []
        for _ in range(args.rounds):
            count, mean_ms = asyncio.run(load(base, portal_requests, args.clients, args.seconds))
            portal.append(count / args.seconds)
            portal_ms.append(mean_ms)
            count, mean_ms = asyncio.run(load(base, api_requests, args.clients, args.seconds))
            api.append(count / args.seconds)
            api_ms.append(mean_ms)
        p, a = statistics.median(portal), statistics.median(api)
        print(
            f"{pair.name:<10} {p:>12.1f} {a:>10.1f} {p / a:>6.2f} "
            f"{statistics.median(portal_ms):>10.1f} {statistics.median(api_ms):>7.1f}"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()
