"""portal accounts and courses: the payment account chosen to be paid, a course's description

A person with several verified accounts chooses the one paid (payment_account.chosen_at);
a course carries the description its provider gives, which the catalogue shows and searches.

Revision ID: 0007_portal_accounts_courses
Revises: 0006_consent_sign_in
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import skillsprogram.domain.types

revision: str = "0007_portal_accounts_courses"
down_revision: str | None = "0006_consent_sign_in"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payment_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("chosen_at", skillsprogram.domain.types.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.drop_column("description")
    with op.batch_alter_table("payment_account", schema=None) as batch_op:
        batch_op.drop_column("chosen_at")
