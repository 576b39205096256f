"""Facilitator accounts, sessions and API tokens, the set-up link, meeting owners, link salts.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "facilitators",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "credentials",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column(
            "facilitator_id",
            sa.String(36),
            sa.ForeignKey("facilitators.id", ondelete="CASCADE"),
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
    )
    with op.batch_alter_table("links") as batch:
        batch.add_column(sa.Column("salt", sa.String(64)))
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("owner_id", sa.String(36)))
        batch.create_foreign_key(
            "fk_meetings_owner", "facilitators", ["owner_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.drop_constraint("fk_meetings_owner", type_="foreignkey")
        batch.drop_column("owner_id")
    with op.batch_alter_table("links") as batch:
        batch.drop_column("salt")
    op.drop_table("credentials")
    op.drop_table("facilitators")
