"""The packaged programme configurations, by scheme (the ``skillsprogram.countries`` entry point)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

_HERE = Path(str(files("skillsprogram_cambodia"))) / "configs"

CONFIGS: dict[str, Path] = {
    "tvet-2023": _HERE / "tvet-youth-2023.toml",
    "default": _HERE / "tvet-youth-2023.toml",
}
