"""consent and sign-in: the consent version agreed to, the person's language and e-mail,
one-time sign-in codes

Revision ID: 0006_consent_sign_in
Revises: 0005_due_indexes
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import skillsprogram.domain.types

revision: str = "0006_consent_sign_in"
down_revision: str | None = "0005_due_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("email_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("locale", sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_person_email_hash"), ["email_hash"], unique=False)
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_version", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("consented_at", skillsprogram.domain.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "sign_in_code",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_at", skillsprogram.domain.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", skillsprogram.domain.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", skillsprogram.domain.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_sign_in_code_application_issued", "sign_in_code", ["application_id", "issued_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_sign_in_code_application_issued", table_name="sign_in_code")
    op.drop_table("sign_in_code")
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("consented_at")
        batch_op.drop_column("consent_version")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_email_hash"))
        batch_op.drop_column("locale")
        batch_op.drop_column("email_enc")
        batch_op.drop_column("email_hash")
