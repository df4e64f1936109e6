"""What Seva remembers of a citizen between conversations."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, String

from seva.storage import Base, utcnow


class Citizen(Base):
    __tablename__ = "citizens"

    sender_id = Column(String(200), primary_key=True)
    # The language to answer in; unknown until the citizen writes something Seva reads as a language.
    language = Column(String(5))
    # True once the citizen picked the language themselves; a guess never overrides that.
    language_chosen = Column(Boolean, nullable=False, default=False)
    # When they last wrote on WhatsApp: a business may write freely for 24 hours after that.
    last_whatsapp_at = Column(DateTime(timezone=True))
    # The privacy notice the citizen agreed to, and when; nothing is filed for them before.
    notice_version = Column(String(32))
    consented_at = Column(DateTime(timezone=True))
    # Set while the citizen wants no updates Seva would start (their "stop"); replies to them go on.
    updates_stopped_at = Column(DateTime(timezone=True))
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
