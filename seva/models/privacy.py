"""What a citizen decided about their data (consent to the notice, updates stopped or started, deletion asked for),
and the deletions still to be carried out."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String

from seva.storage import Base, utcnow


class CitizenChoice(Base):
    """One decision, kept as it was taken: staff see when a citizen stopped updates; consent names the notice's
    version the citizen read. A deleted citizen's choices are deleted with them."""

    __tablename__ = "citizen_choices"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(200), nullable=False)
    choice = Column(String(16), nullable=False)
    notice_version = Column(String(32))
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


Index("ix_citizen_choices_sender", CitizenChoice.sender_id, CitizenChoice.at)


class ErasureRequest(Base):
    """A citizen's "delete my data", waiting for their open complaints to close (`done_at` unset) or, once their
    complaints are anonymised, for their conversation to be erased from the tracker store and the channel's tables."""

    __tablename__ = "erasure_requests"

    sender_id = Column(String(200), primary_key=True)
    channel = Column(String(50), nullable=False)
    language = Column(String(5), nullable=False)
    requested_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    # When the complaints were anonymised and the citizen told so.
    done_at = Column(DateTime(timezone=True))
