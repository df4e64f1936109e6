"""What the WhatsApp channel remembers across restarts and replicas: message ids seen, numbered choices sent.

The channel owns these tables; they live in Seva's database through its storage, and its migrations make them.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import Column, DateTime, String, Text, delete
from sqlalchemy.exc import IntegrityError

from seva.storage import Base, Database, aware, utcnow

CHOICE_TTL = timedelta(days=1)
# Old ids are forgotten at most this often, by whichever replica takes in a message then.
FORGET_EVERY = timedelta(hours=1)


class SeenMessage(Base):
    """A WhatsApp message id already taken in: Meta delivers at least once, Seva handles each once."""

    __tablename__ = "whatsapp_seen_messages"

    message_id = Column(String(200), primary_key=True)
    sender_id = Column(String(200), nullable=False, index=True)
    received_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class NumberedChoice(Base):
    """Options last sent to a citizen as a numbered text, so that a reply "2" picks the second."""

    __tablename__ = "whatsapp_numbered_choices"

    recipient = Column(String(200), primary_key=True)
    payloads = Column(Text, nullable=False)
    sent_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class ChannelStore:
    def __init__(self, database: Database, keep_seen: timedelta = timedelta(days=7)):
        # Meta retries an unanswered webhook for days; a week covers it.
        self.db = database
        self.keep_seen = keep_seen
        self._forgotten_at: Optional[datetime] = None
        self._lock = threading.Lock()

    def first_time(self, message_id: str, sender_id: str, now: Optional[datetime] = None) -> bool:
        """Records the message id; False if it was seen before (a redelivery). Forgets old ids now and then."""
        now = now or utcnow()
        try:
            with self.db.session() as session:
                session.add(SeenMessage(message_id=message_id, sender_id=sender_id, received_at=now))
            new = True
        except IntegrityError:
            new = False
        self._forget_if_due(now)
        return new

    def forget_old(self, now: Optional[datetime] = None) -> int:
        """Forgets message ids older than the period they are kept for, and stale numbered choices."""
        now = now or utcnow()
        with self.db.session() as session:
            seen = session.execute(delete(SeenMessage).where(SeenMessage.received_at < now - self.keep_seen))
            session.execute(delete(NumberedChoice).where(NumberedChoice.sent_at < now - CHOICE_TTL))
            return seen.rowcount

    def _forget_if_due(self, now: datetime) -> None:
        with self._lock:
            if self._forgotten_at is not None and now - self._forgotten_at < FORGET_EVERY:
                return
            self._forgotten_at = now
        self.forget_old(now)

    def remember_choices(self, recipient: str, payloads: List[str]) -> None:
        with self.db.session() as session:
            choice = session.get(NumberedChoice, recipient)
            if choice is None:
                session.add(NumberedChoice(recipient=recipient, payloads=json.dumps(payloads)))
            else:
                choice.payloads = json.dumps(payloads)
                choice.sent_at = utcnow()

    def forget_choices(self, recipient: str) -> None:
        """A newer question went out: a number typed now does not answer the old one."""
        with self.db.session() as session:
            session.execute(delete(NumberedChoice).where(NumberedChoice.recipient == recipient))

    def chosen(self, recipient: str, text: str) -> Optional[str]:
        """The payload a reply like "2" picks from the last numbered options, if it is one."""
        number = text.strip().rstrip(".")
        if not number.isdigit():
            return None
        with self.db.session() as session:
            choice = session.get(NumberedChoice, recipient)
            if choice is None or aware(choice.sent_at) < utcnow() - CHOICE_TTL:
                return None
            payloads = json.loads(choice.payloads)
            index = int(number) - 1
            return payloads[index] if 0 <= index < len(payloads) else None
