"""due indexes: claimable transfers in the order workers claim them

They replace the (status, next_attempt_at) indexes, which made every claim sort all
the due transfers to take the first few. The (wave_id, status) index of applications
goes too: no query needs it (listings page in id order), and every status change of
every application paid for its upkeep.

Revision ID: 0005_due_indexes
Revises: 0004_api
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_due_indexes"
down_revision: str | None = "0004_api"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("payout", "provider_settlement")
CLAIMABLE = "status IN ('scheduled', 'unknown', 'sending')"


def upgrade() -> None:
    op.drop_index("ix_application_wave_status", table_name="application")
    for table in TABLES:
        op.drop_index(f"ix_{table}_status_due", table_name=table)
        op.create_index(
            f"ix_{table}_due",
            table,
            ["next_attempt_at", "id"],
            unique=False,
            postgresql_where=sa.text(CLAIMABLE),
            sqlite_where=sa.text(CLAIMABLE),
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_due", table_name=table)
        op.create_index(f"ix_{table}_status_due", table, ["status", "next_attempt_at"], unique=False)
    op.create_index("ix_application_wave_status", "application", ["wave_id", "status"], unique=False)
