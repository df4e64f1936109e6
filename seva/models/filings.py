"""Complaints a citizen began to file and has not finished: when they last answered, and whether they were reminded."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, String

from seva.storage import Base


class FilingInProgress(Base):
    __tablename__ = "filings_in_progress"

    # One conversation files one complaint at a time.
    sender_id = Column(String(200), primary_key=True)
    channel = Column(String(50), nullable=False)
    touched_at = Column(DateTime(timezone=True), nullable=False)
    # Set once, when the one reminder of this filing was claimed; a new filing starts without it.
    reminded_at = Column(DateTime(timezone=True))


Index("ix_filings_in_progress_due", FilingInProgress.reminded_at, FilingInProgress.touched_at)
