"""Citizens own WhatsApp's 24-hour window: when a citizen last wrote on WhatsApp is kept with the citizen (the
channel's message ids, which it was read from before, are now forgotten after a week), and a citizen can be
known before their language is.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("citizens") as batch:
        batch.add_column(sa.Column("last_whatsapp_at", sa.DateTime(timezone=True), nullable=True))
        batch.alter_column("language", existing_type=sa.String(length=5), nullable=True)
    last_seen = "SELECT MAX(s.received_at) FROM whatsapp_seen_messages s WHERE s.sender_id = citizens.sender_id"
    op.execute(f"UPDATE citizens SET last_whatsapp_at = ({last_seen})")
    op.execute(
        "INSERT INTO citizens (sender_id, language, language_chosen, last_whatsapp_at, updated_at) "
        "SELECT s.sender_id, NULL, false, MAX(s.received_at), MAX(s.received_at) FROM whatsapp_seen_messages s "
        "WHERE s.sender_id NOT IN (SELECT sender_id FROM citizens) GROUP BY s.sender_id"
    )


def downgrade() -> None:
    op.execute("DELETE FROM citizens WHERE language IS NULL")
    with op.batch_alter_table("citizens") as batch:
        batch.alter_column("language", existing_type=sa.String(length=5), nullable=False)
        batch.drop_column("last_whatsapp_at")
