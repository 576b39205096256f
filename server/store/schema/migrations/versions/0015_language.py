"""The language each participant chose for the board's words and their copy of the record
(a catalogue code: "en", "pl").

People who joined before this revision read English (the board's words until then).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch copy: on SQLite a batch would drop and re-create
# `participants`, and dropping it cascades to what refers to it.
def upgrade() -> None:
    op.add_column(
        "participants", sa.Column("language", sa.String(16), nullable=False, server_default="en")
    )


def downgrade() -> None:
    op.drop_column("participants", "language")
