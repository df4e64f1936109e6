"""Overdue complaints escalate: a complaint keeps how far up its ladder it has gone and when it last went up, and
an ESCALATE entry of its history the level it reached.

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
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("escalation_level", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("complaint_events") as batch:
        batch.add_column(sa.Column("level", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complaint_events") as batch:
        batch.drop_column("level")
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("escalated_at")
        batch.drop_column("escalation_level")
