"""The packaged programme configurations, by scheme (the ``skillsprogram.countries`` entry point)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

_HERE = Path(str(files("skillsprogram_indonesia"))) / "configs"

CONFIGS: dict[str, Path] = {
    "2023": _HERE / "prakerja-2023.toml",
    "2020": _HERE / "prakerja-2020.toml",
    "default": _HERE / "prakerja-2023.toml",
}
