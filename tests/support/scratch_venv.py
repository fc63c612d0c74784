"""A virtual environment of one test's own that sees every package of the suite's.

A test that installs a package (a scaffolded country) installs it there: the suite's own
environment, which the tests running beside it in other processes read their plugins and
countries from, is never changed. The scratch environment reaches the suite's packages
through a ``.pth`` file, so nothing is copied or downloaded, and carries the suite's
``pip``, ``pytest`` and ``skillsprogram`` commands, run by its own interpreter.
"""

from __future__ import annotations

import os
import sysconfig
import venv
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

#: The commands a scratch environment offers, as the suite's environment has them.
COMMANDS = ("pip", "pytest", "skillsprogram")


@dataclass(frozen=True)
class ScratchEnvironment:
    """A virtual environment at ``root``, layered over the suite's."""

    root: Path

    @property
    def bin(self) -> Path:
        """Its folder of commands."""
        return self.root / "bin"

    @property
    def python(self) -> Path:
        """Its interpreter."""
        return self.bin / "python"

    def environ(self, **extra: str) -> dict[str, str]:
        """This process's environment with the scratch environment active: its commands first
        on the PATH, and nothing left of the suite's pytest-xdist worker."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST_", "PYTEST_CURRENT"))}
        env["VIRTUAL_ENV"] = str(self.root)
        env["PATH"] = str(self.bin) + os.pathsep + env.get("PATH", "")
        env.pop("DATABASE_URL", None)
        return {**env, **extra}


def site_packages(root: Path) -> Path:
    """The ``site-packages`` folder of the virtual environment at ``root``."""
    return Path(sysconfig.get_path("purelib", vars={"base": str(root), "platbase": str(root)}))


def scratch_environment(root: Path) -> ScratchEnvironment:
    """Create a scratch environment at ``root``: packages installed there stay there."""
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root)
    suite = sysconfig.get_path("purelib")
    # An ``import`` line of a .pth file is run at start-up: addsitedir also reads the suite's
    # own .pth files (its editable installs).
    (site_packages(root) / "_suite.pth").write_text(f"import site; site.addsitedir({suite!r})\n")
    scratch = ScratchEnvironment(root)
    for name in COMMANDS:
        point = next(iter(entry_points(group="console_scripts", name=name)))
        module, _, attribute = point.value.partition(":")
        script = scratch.bin / name
        script.write_text(
            f"#!{scratch.python}\nimport sys\nfrom {module} import {attribute}\nsys.exit({attribute}())\n"
        )
        script.chmod(0o755)
    return scratch
