"""The outbox: what the notification worker still has to tell citizens."""

from __future__ import annotations

from datetime import datetime
from typing import Any, List, Optional

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from seva.storage import Base, utcnow


class Notification(Base):
    """A change to tell a citizen (the complaint's, or one following it), written in the transaction that made it."""

    __tablename__ = "notifications"
    # Each change is told to each of its citizens once.
    __table_args__ = (UniqueConstraint("event_id", "recipient", name="uq_notifications_event_recipient"),)

    id = Column(Integer, primary_key=True)
    event_id = Column(Integer, ForeignKey("complaint_events.id", ondelete="CASCADE"), nullable=False)
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
    def of(
        cls, event: Any, complaint: Any, now: datetime, recipient: Optional[str] = None, channel: Optional[str] = None
    ) -> "Notification":
        """The notification telling the complaint's citizen (or another) of this history entry, due now."""
        return cls(
            event_id=event.id,
            complaint_id=complaint.id,
            recipient=recipient or complaint.sender_id,
            channel=channel or complaint.channel,
            created_at=now,
            next_attempt_at=now,
        )

    @classmethod
    def for_all(cls, event: Any, complaint: Any, now: datetime) -> List["Notification"]:
        """The notifications telling the complaint's citizen and every citizen following it."""
        return [cls.of(event, complaint, now)] + [
            cls.of(event, complaint, now, f.sender_id, f.channel) for f in complaint.followers
        ]


Index("ix_notifications_due", Notification.state, Notification.next_attempt_at)
