"""report tallies: milestones (an application reaching a stage, once) and their counts

The monitoring figures sum ``report_tally`` (per stage, wave, leaf region and day)
instead of counting distinct ids over the whole audit log at every request; the
report refresh step fills both from the audit log after its cursor.

Revision ID: 0008_report_tallies
Revises: 0007_portal_accounts_courses
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_report_tallies"
down_revision: str | None = "0007_portal_accounts_courses"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_milestone",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("stage", sa.String(length=80), nullable=False),
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"]),
        sa.PrimaryKeyConstraint("application_id", "stage"),
    )
    op.create_table(
        "report_tally",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("stage", sa.String(length=80), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_report_tally_programme_stage", "report_tally", ["programme_id", "stage"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_report_tally_programme_stage", table_name="report_tally")
    op.drop_table("report_tally")
    op.drop_table("report_milestone")
