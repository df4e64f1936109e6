"""The outbox: what the notification worker still has to tell citizens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import relationship

from seva.storage import Base, utcnow


class Notification(Base):
    """A status change to tell the citizen, written in the transaction that made the change."""

    __tablename__ = "notifications"

    id = Column(Integer, primary_key=True)
    event_id = Column(Integer, ForeignKey("complaint_events.id", ondelete="CASCADE"), nullable=False, unique=True)
    complaint_id = Column(Integer, ForeignKey("complaints.id", ondelete="CASCADE"), nullable=False, index=True)
    recipient = Column(String(200), nullable=False)
    channel = Column(String(50), nullable=False)
    state = Column(String(16), nullable=False, default="pending")
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    # How it reached the citizen: through Rasa (inside WhatsApp's 24-hour window) or as a WhatsApp template.
    sent_via = Column(String(16))
    sent_at = Column(DateTime(timezone=True))
    last_error = Column(Text)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    event = relationship("ComplaintEvent")
    complaint = relationship("Complaint")

    @classmethod
    def of(cls, event: Any, complaint: Any, now: datetime) -> "Notification":
        """The notification telling the complaint's citizen of this history entry, due now."""
        return cls(
            event_id=event.id,
            complaint_id=complaint.id,
            recipient=complaint.sender_id,
            channel=complaint.channel,
            created_at=now,
            next_attempt_at=now,
        )


Index("ix_notifications_due", Notification.state, Notification.next_attempt_at)
