"""course descriptions: what a course teaches, in the provider's or platform's words

A course had only its title; its publisher now writes (and edits) a description.

Revision ID: 0006_course_descriptions
Revises: 0005_due_indexes
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006_course_descriptions"
down_revision: str | None = "0005_due_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("course") as batch:
        batch.add_column(sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("course") as batch:
        batch.drop_column("description")
