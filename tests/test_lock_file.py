"""The deployment lock file pins what pyproject.toml asks for, each pin hash-checked."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def pins() -> dict[str, tuple[Version, int]]:
    """Each pinned package of requirements.lock: its version and how many hashes it carries."""
    found: dict[str, tuple[Version, int]] = {}
    current: str | None = None
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if match := PIN.match(line):
            current = canonicalize_name(match.group(1))
            found[current] = (Version(match.group(2)), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = found[current]
            found[current] = (version, hashes + 1)
        elif line and not line.startswith((" ", "#")):
            raise AssertionError(f"requirements.lock line neither a pin nor a comment: {line!r}")
    return found


def test_every_dependency_of_the_package_is_pinned_in_the_lock_file_at_an_allowed_version() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    locked = pins()
    for text in declared:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is a dependency but not in requirements.lock: run `make lock`"
        version, _hashes = locked[name]
        allowed = requirement.specifier
        assert allowed.contains(version), f"{name}=={version} is outside {allowed}: run `make lock`"


def test_every_pin_of_the_lock_file_carries_a_hash() -> None:
    locked = pins()
    assert len(locked) > 20
    assert [name for name, (_v, hashes) in locked.items() if hashes == 0] == []
