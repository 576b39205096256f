"""Who the server saw writing in each card (the record's "edited by"), kept as the updates
arrive: the log itself is compacted, and a merged update no longer says who wrote what.

Cards written before this revision name only who added them.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "card_writers",
        sa.Column(
            "meeting_id",
            sa.String(36),
            sa.ForeignKey("meetings.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("layer", sa.String(16), primary_key=True),
        sa.Column("card_id", sa.String(100), primary_key=True),
        sa.Column("participant_id", sa.String(36), primary_key=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("card_writers")
