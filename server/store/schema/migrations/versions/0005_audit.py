"""The audit trail: an append-only table of what was done to a meeting, which outlives it.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.String(36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(100)),
        sa.Column("actor_label", sa.String(32), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
    )
    op.create_index("ix_audit_meeting", "audit", ["meeting_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_meeting", table_name="audit")
    op.drop_table("audit")
