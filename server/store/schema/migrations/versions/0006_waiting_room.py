"""The waiting room: a meeting may hold new family and professional participants until the
facilitator admits them; participants carry whether they were admitted, rejected or removed.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Meetings from before the waiting room keep working as they did (no waiting room).
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(
            sa.Column("waiting_room", sa.Boolean, nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("participants") as batch:
        batch.add_column(
            sa.Column("admission", sa.String(16), nullable=False, server_default="admitted")
        )


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("admission")
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("waiting_room")
