"""The staff console: passwords with a lock-out after repeated failures, console sessions, each user's console
language, the further cities an administrator oversees; history entries remember the response template chosen,
a photo remembers the entry it came with (a proof of fix reaches the citizen with the resolution), and a complaint
keeps what the dashboard counts (its first resolution, how often it was decided and reopened).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("failed_sign_ins", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("language", sa.String(length=5), server_default="en", nullable=False))
    op.create_table(
        "staff_cities",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["staff_users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "tenant_id"),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["staff_users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(op.f("ix_staff_sessions_user_id"), "staff_sessions", ["user_id"], unique=False)
    with op.batch_alter_table("complaint_events") as batch:
        batch.add_column(sa.Column("template", sa.String(length=64), nullable=True))
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("event_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_attachments_event_id", "complaint_events", ["event_id"], ["id"], ondelete="SET NULL"
        )
    # The queue sorts a city's complaints by due date.
    op.create_index("ix_complaints_tenant_due", "complaints", ["tenant_id", "due_at"], unique=False)
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("first_resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("decisions", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("reopens", sa.Integer(), server_default="0", nullable=False))
    # What the dashboard reckons with, read once from the history of the complaints already kept.
    events = "FROM complaint_events e WHERE e.complaint_id = complaints.id AND e.action"
    op.execute(
        f"UPDATE complaints SET first_resolved_at = (SELECT MIN(e.created_at) {events} = 'RESOLVE'), "
        f"decisions = (SELECT COUNT(*) {events} IN ('RESOLVE', 'REJECT')), "
        f"reopens = (SELECT COUNT(*) {events} = 'REOPEN')"
    )


def downgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("reopens")
        batch.drop_column("decisions")
        batch.drop_column("first_resolved_at")
    op.drop_index("ix_complaints_tenant_due", table_name="complaints")
    with op.batch_alter_table("attachments") as batch:
        batch.drop_constraint("fk_attachments_event_id", type_="foreignkey")
        batch.drop_column("event_id")
    with op.batch_alter_table("complaint_events") as batch:
        batch.drop_column("template")
    op.drop_index(op.f("ix_staff_sessions_user_id"), table_name="staff_sessions")
    op.drop_table("staff_sessions")
    op.drop_table("staff_cities")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("language")
        batch.drop_column("locked_until")
        batch.drop_column("failed_sign_ins")
        batch.drop_column("password_hash")
