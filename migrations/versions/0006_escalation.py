"""Overdue complaints escalate: a complaint keeps how far up its ladder it has gone and when it last went up, and
an ESCALATE entry of its history the level it reached. Citizens follow complaints of others (a duplicate merged into
the one kept): a change is told to each of its citizens once, no longer to one.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _notifications(unique) -> sa.Table:
    """The notifications table as 0002 made it, with the given unique constraint (SQLite's copy is made anew)."""
    return sa.Table(
        "notifications",
        sa.MetaData(),
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
        unique,
        sa.Index("ix_notifications_complaint_id", "complaint_id"),
        sa.Index("ix_notifications_due", "state", "next_attempt_at"),
    )


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("escalation_level", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("complaint_events") as batch:
        batch.add_column(sa.Column("level", sa.Integer(), nullable=True))
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("merged_into", sa.String(length=32), nullable=True))
    op.create_table(
        "complaint_followers",
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaints.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("complaint_id", "sender_id"),
    )
    op.create_index("ix_complaint_followers_sender_id", "complaint_followers", ["sender_id"], unique=False)
    unique = sa.UniqueConstraint("event_id", "recipient", name="uq_notifications_event_recipient")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("notifications_event_id_key", "notifications", type_="unique")
        op.create_unique_constraint(unique.name, "notifications", ["event_id", "recipient"])
    else:
        with op.batch_alter_table("notifications", recreate="always", copy_from=_notifications(unique)):
            pass


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("uq_notifications_event_recipient", "notifications", type_="unique")
        op.create_unique_constraint("notifications_event_id_key", "notifications", ["event_id"])
    else:
        with op.batch_alter_table(
            "notifications", recreate="always", copy_from=_notifications(sa.UniqueConstraint("event_id"))
        ):
            pass
    op.drop_index("ix_complaint_followers_sender_id", table_name="complaint_followers")
    op.drop_table("complaint_followers")
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("merged_into")
    with op.batch_alter_table("complaint_events") as batch:
        batch.drop_column("level")
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("escalated_at")
        batch.drop_column("escalation_level")
