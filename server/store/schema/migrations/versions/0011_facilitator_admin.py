"""Facilitator administration: an account can be disabled (a leaver, a suspicion) without
being removed, so that its meetings keep their owner while it can no longer sign in.

API tokens' expiry needs no column: `credentials.expires_at` was there from 0002, and tokens
made before this revision keep none (they never expire until revoked).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch copy: on SQLite a batch would drop and re-create
# `facilitators`, and dropping it cascades to every session and meeting owner.
def upgrade() -> None:
    op.add_column("facilitators", sa.Column("disabled_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("facilitators", "disabled_at")
