"""Filings in progress: a citizen who stops in the middle of filing a complaint is reminded once.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "filings_in_progress",
        sa.Column("sender_id", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("touched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("sender_id"),
    )
    op.create_index("ix_filings_in_progress_due", "filings_in_progress", ["reminded_at", "touched_at"])


def downgrade() -> None:
    op.drop_index("ix_filings_in_progress_due", table_name="filings_in_progress")
    op.drop_table("filings_in_progress")
