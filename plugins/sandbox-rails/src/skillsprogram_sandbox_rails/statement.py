"""Write a SANDBOX rail's statement CSV from its books, as a bank's portal would let you download it.

    python -m skillsprogram_sandbox_rails.statement --books rail-books.db --rail wallet \\
        --since 2025-01-01 --until 2025-02-01 > wallet-2025-01.csv

The columns are those of ``skillsprogram payouts reconcile`` (docs/money.md).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from skillsprogram_sandbox_rails.ledger import RailBooks
from skillsprogram_sandbox_rails.rail import statement_csv


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    """Print the statement of one rail for [since, until)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--books", type=Path, required=True, help="the rails' state_path SQLite file")
    parser.add_argument("--rail", required=True, help="the rail's code")
    parser.add_argument("--since", type=_instant, default=datetime(1970, 1, 1, tzinfo=UTC))
    parser.add_argument("--until", type=_instant, default=datetime(9999, 1, 1, tzinfo=UTC))
    args = parser.parse_args(argv)
    if not args.books.exists():
        parser.error(f"no rail books at {args.books}")
    books = RailBooks(args.books)
    sys.stdout.write(statement_csv(args.rail, books, args.since, args.until))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
