"""A professional's agency: the service they said they are from when they joined ("Police",
"Health", or words of their own for "Other"). Typed, like a name, so it proves nothing.

People who joined before this revision have none (an empty string).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch copy: on SQLite a batch would drop and re-create
# `participants`, and dropping it cascades to what refers to it.
def upgrade() -> None:
    op.add_column(
        "participants", sa.Column("agency", sa.String(100), nullable=False, server_default="")
    )


def downgrade() -> None:
    op.drop_column("participants", "agency")
