"""SKILLSPROGRAM_TRACE_HOOKS: every hook call shows on the command line, never a personal value."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def test_trace_variable_shows_every_hook_call_on_stderr_without_personal_values(tmp_path: Path) -> None:
    env = {**os.environ, "SKILLSPROGRAM_HOME": str(tmp_path), "SKILLSPROGRAM_TRACE_HOOKS": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "skillsprogram.cli", "demo", "--country", "indonesia", "--applicants", "30"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    traced = set(re.findall(r"hook (skillsprogram_\w+) ->", run.stderr))
    assert {
        "skillsprogram_parse_national_id",
        "skillsprogram_verify_identities",
        "skillsprogram_eligibility_rules",
        "skillsprogram_rank_candidates",
        "skillsprogram_benefit_schedule",
        "skillsprogram_payment_rails",
        "skillsprogram_notify_batch",
    } <= traced
    assert not re.search(r"\d{16}", run.stderr), "a 16-digit number (a national id?) reached the trace"
    assert "hook skillsprogram" not in run.stdout


def test_without_the_variable_nothing_is_traced(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SKILLSPROGRAM_TRACE_HOOKS"}
    env["SKILLSPROGRAM_HOME"] = str(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "skillsprogram.cli", "demo", "--country", "indonesia", "--applicants", "10"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert "hook skillsprogram" not in run.stderr + run.stdout
