"""Two test suites on one PostgreSQL server never share a database, and each drops its own."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from tests.conftest import PostgresServer

ROOT = Path(__file__).resolve().parents[1]
SMALL_MODULE = "tests/test_migrations.py::test_upgrade_creates_every_model_table_and_downgrade_removes_them"


def test_two_suites_at_once_on_one_server_use_their_own_databases_and_drop_them(
    postgres: PostgresServer,
) -> None:
    env = {
        **os.environ,
        "SKILLSPROGRAM_TEST_DATABASES": "postgresql",
        "SKILLSPROGRAM_TEST_REQUIRE_POSTGRES": "1",
    }
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", SMALL_MODULE]
    suites = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for _ in range(2)
    ]
    outputs = [suite.communicate(timeout=600)[0] for suite in suites]
    for suite, output in zip(suites, outputs, strict=True):
        assert suite.returncode == 0, output
        assert "1 passed" in output
    prefixes = [re.search(r"PostgreSQL test databases of this run: (\S+)_\*", out) for out in outputs]
    assert all(prefixes)
    names = [match.group(1) for match in prefixes if match]
    assert names[0] != names[1]
    assert [name.split("_")[0] for name in names] == [f"sp{suite.pid}" for suite in suites]
    with postgres.admin.connect() as conn:
        left = conn.execute(text("select datname from pg_database")).scalars().all()
    assert [d for d in left if d.startswith(tuple(names))] == []
