"""Participant keys: a participant is found again by a secret their browser or client holds
(only its SHA-256 is kept), never by the name they typed, so two people may share a name on
one link and neither can become the other by typing it.

People who joined before this revision have no key: they join again as someone new.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("key_hash", sa.String(64)))
        batch.drop_constraint("uq_participant_on_link", type_="unique")
        batch.create_unique_constraint("uq_participant_key", ["link_id", "key_hash"])


def downgrade() -> None:
    # Fails while two people share a name and relationship on one link: that is exactly what
    # the earlier schema could not hold.
    with op.batch_alter_table("participants") as batch:
        batch.drop_constraint("uq_participant_key", type_="unique")
        batch.create_unique_constraint(
            "uq_participant_on_link", ["link_id", "name", "relationship"]
        )
        batch.drop_column("key_hash")
