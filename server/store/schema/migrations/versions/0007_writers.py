"""Which participant's connection brought each Yjs client into a meeting layer, so the record
can say who added a card as the server saw it, not only what a client claimed.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "writers",
        sa.Column(
            "meeting_id",
            sa.String(36),
            sa.ForeignKey("meetings.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("layer", sa.String(16), primary_key=True),
        sa.Column("client_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("participant_id", sa.String(36), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("writers")
