"""``python -m skillsprogram.reference <page>`` prints a page; ``--write <dir>`` writes them all."""

from __future__ import annotations

import sys
from pathlib import Path

from skillsprogram.reference import PAGES


def main(arguments: list[str]) -> int:
    """Print the page named by ``arguments``, or write every page into ``--write <dir>``."""
    if len(arguments) == 2 and arguments[0] == "--write":
        for name, render in PAGES.items():
            (Path(arguments[1]) / f"{name}.md").write_text(render(), encoding="utf-8")
        return 0
    if len(arguments) == 1 and arguments[0] in PAGES:
        print(PAGES[arguments[0]](), end="")
        return 0
    print(f"usage: python -m skillsprogram.reference ({' | '.join(PAGES)} | --write <dir>)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
