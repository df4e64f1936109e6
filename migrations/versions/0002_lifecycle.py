"""Complaints move: staff and their tokens, the notification outbox, who acted in which role, assignment, SLA
at the field employee, rating; when a citizen last wrote.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_index(op.f("ix_staff_users_tenant_id"), "staff_users", ["tenant_id"], unique=False)
    op.create_table(
        "staff_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["staff_users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(op.f("ix_staff_tokens_user_id"), "staff_tokens", ["user_id"], unique=False)
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_via", sa.String(length=16), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaints.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["event_id"], ["complaint_events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index(op.f("ix_notifications_complaint_id"), "notifications", ["complaint_id"], unique=False)
    op.create_index("ix_notifications_due", "notifications", ["state", "next_attempt_at"], unique=False)

    # The worker asks when a citizen last wrote, to know whether WhatsApp's 24-hour window is open.
    op.create_index(op.f("ix_whatsapp_seen_messages_sender_id"), "whatsapp_seen_messages", ["sender_id"])

    # Every event of the first release was a citizen filing; every status was last changed when filed.
    with op.batch_alter_table("complaint_events") as batch:
        batch.add_column(sa.Column("role", sa.String(length=16), nullable=False, server_default="CITIZEN"))
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("stage_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("assigned_to", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("rating", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_complaints_assigned_to"), ["assigned_to"], unique=False)
    op.execute("UPDATE complaints SET status_changed_at = created_at")
    with op.batch_alter_table("complaints") as batch:
        batch.alter_column("status_changed_at", existing_type=sa.DateTime(timezone=True), nullable=False)
    with op.batch_alter_table("complaint_events") as batch:
        batch.alter_column("role", existing_type=sa.String(length=16), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.drop_index(batch.f("ix_complaints_assigned_to"))
        batch.drop_column("rating")
        batch.drop_column("assigned_to")
        batch.drop_column("stage_due_at")
        batch.drop_column("status_changed_at")
    with op.batch_alter_table("complaint_events") as batch:
        batch.drop_column("role")
    op.drop_index(op.f("ix_whatsapp_seen_messages_sender_id"), table_name="whatsapp_seen_messages")
    op.drop_index("ix_notifications_due", table_name="notifications")
    op.drop_index(op.f("ix_notifications_complaint_id"), table_name="notifications")
    op.drop_table("notifications")
    op.drop_index(op.f("ix_staff_tokens_user_id"), table_name="staff_tokens")
    op.drop_table("staff_tokens")
    op.drop_index(op.f("ix_staff_users_tenant_id"), table_name="staff_users")
    op.drop_table("staff_users")
