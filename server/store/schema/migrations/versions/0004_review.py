"""A review meeting remembers the meeting it follows.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("previous_id", sa.String(36)))
        batch.create_foreign_key(
            "fk_meetings_previous", "meetings", ["previous_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.drop_constraint("fk_meetings_previous", type_="foreignkey")
        batch.drop_column("previous_id")
