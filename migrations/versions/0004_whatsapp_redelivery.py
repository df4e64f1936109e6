"""WhatsApp messages are kept until handled: what each said, when it was handled, and who is handling it, so that
one acknowledged but not answered (Rasa restarted) is handled again; and the replies that went out, so that handling
it again sends nothing twice; and the replies WhatsApp could not take for a while, to send when it can. Messages of
earlier releases were handled.

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
    with op.batch_alter_table("whatsapp_seen_messages") as batch:
        batch.add_column(sa.Column("payload", sa.Text(), nullable=True))
        batch.add_column(sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="1", nullable=False))
        batch.create_index(batch.f("ix_whatsapp_seen_messages_lease_until"), ["lease_until"], unique=False)
    op.execute("UPDATE whatsapp_seen_messages SET handled_at = received_at")
    op.create_table(
        "whatsapp_sent_replies",
        sa.Column("key", sa.String(length=240), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(op.f("ix_whatsapp_sent_replies_sent_at"), "whatsapp_sent_replies", ["sent_at"], unique=False)
    op.create_table(
        "whatsapp_queued_replies",
        sa.Column("key", sa.String(length=240), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(op.f("ix_whatsapp_queued_replies_recipient"), "whatsapp_queued_replies", ["recipient"])
    op.create_index(op.f("ix_whatsapp_queued_replies_next_attempt_at"), "whatsapp_queued_replies", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_whatsapp_queued_replies_next_attempt_at"), table_name="whatsapp_queued_replies")
    op.drop_index(op.f("ix_whatsapp_queued_replies_recipient"), table_name="whatsapp_queued_replies")
    op.drop_table("whatsapp_queued_replies")
    op.drop_index(op.f("ix_whatsapp_sent_replies_sent_at"), table_name="whatsapp_sent_replies")
    op.drop_table("whatsapp_sent_replies")
    with op.batch_alter_table("whatsapp_seen_messages") as batch:
        batch.drop_index(batch.f("ix_whatsapp_seen_messages_lease_until"))
        batch.drop_column("attempts")
        batch.drop_column("lease_until")
        batch.drop_column("handled_at")
        batch.drop_column("payload")
