"""What trainers decided about the messages of the review inbox, so that each is decided once."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Text, UniqueConstraint

from seva.storage import Base, utcnow


class ReviewDecision(Base):
    """One message of a cell (its normalised, masked text as `key`): accepted as Seva read it, relabelled, or
    discarded; accepted and relabelled ones went into the cell's training data with this intent and type."""

    __tablename__ = "review_decisions"
    __table_args__ = (UniqueConstraint("cell", "key", name="uq_review_decisions_cell_key"),)

    id = Column(Integer, primary_key=True)
    cell = Column(String(16), nullable=False)
    key = Column(Text, nullable=False)
    text = Column(Text, nullable=False)
    decision = Column(String(16), nullable=False)
    intent = Column(String(64))
    complaint_type = Column(String(64))
    training_cell = Column(String(16))
    decided_by = Column(String(100), nullable=False)
    decided_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
