"""The deployment's identity: one row, made once, that every relayed message carries, so that
a process ignores messages from another deployment sharing its Redis (a restored copy, a
staging server pointed at the production Redis); and a check value of the secret key, so that
a process started with another key refuses to start.

Revision ID: 0010
Revises: 0009
"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    deployment = op.create_table(
        "deployment",
        # Always 1: the primary key makes a second row impossible, so two processes that
        # create the identity at once cannot both succeed.
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("identity", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        # The secret key's check value (key_check.py): every process must use the same key.
        sa.Column("key_check", sa.String(32), nullable=True),
    )
    op.bulk_insert(
        deployment,
        [{"id": 1, "identity": str(uuid.uuid4()), "created_at": datetime.now(UTC)}],
    )


def downgrade() -> None:
    op.drop_table("deployment")
