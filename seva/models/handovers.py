"""Conversations a citizen asked to have with a person: the operator queue, and what was said in each."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import relationship

from seva.storage import Base, utcnow


class Handover(Base):
    """One hand-over of a citizen's conversation from Seva to an operator, until it is handed back (by the operator,
    or by Seva when no operator answered in time)."""

    __tablename__ = "handovers"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(200), nullable=False, index=True)
    channel = Column(String(50), nullable=False)
    language = Column(String(5), nullable=False)
    tenant_id = Column(String(64))
    requested_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    # The operator who answered first, and when an operator last answered.
    operator = Column(String(100))
    answered_at = Column(DateTime(timezone=True))
    ended_at = Column(DateTime(timezone=True))
    # handed_back (by the operator), timed_out (no operator answered), erased (the citizen deleted their data)
    ended_how = Column(String(16))
    # Set once Seva has told the citizen it is back (through Rasa, in their language).
    told_back_at = Column(DateTime(timezone=True))

    messages = relationship(
        "HandoverMessage", order_by="HandoverMessage.id", cascade="all, delete-orphan", back_populates="handover"
    )


Index("ix_handovers_open", Handover.ended_at, Handover.requested_at)


class HandoverMessage(Base):
    """A line of the conversation an operator sees: the last ones with Seva before the hand-over, the citizen's
    since, and the operator's replies, which the notification worker sends over WhatsApp."""

    __tablename__ = "handover_messages"

    id = Column(Integer, primary_key=True)
    handover_id = Column(Integer, ForeignKey("handovers.id", ondelete="CASCADE"), nullable=False, index=True)
    # citizen, seva (before the hand-over), operator
    author = Column(String(16), nullable=False)
    operator = Column(String(100))
    text = Column(Text, nullable=False)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    # An operator's reply: pending until the worker sent it; sent; failed.
    state = Column(String(16))
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text)

    handover = relationship("Handover", back_populates="messages")


Index("ix_handover_messages_state", HandoverMessage.state)
