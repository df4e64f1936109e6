"""What the WhatsApp channel remembers across restarts and replicas: the messages taken in (until handled, and
their ids for a week after), and the numbered choices sent.

A message is recorded with what it said when it is acknowledged, and marked handled once Rasa has answered it; one
left unhandled (Rasa restarted, a replica died) is handed out again when its lease runs out, by whichever replica
looks first, until it is handled or has been tried MAX_ATTEMPTS times. The channel owns these tables; they live in
Seva's database through its storage, and its migrations make them.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import Column, DateTime, Integer, String, Text, delete, select, update
from sqlalchemy.exc import IntegrityError

from seva.matching import normalise
from seva.settings import WhatsAppSettings
from seva.storage import Base, Database, aware, utcnow

CHOICE_TTL = timedelta(days=1)
# A reply longer than any option's label is never a label typed (nor read as one, which costs a query).
MAX_LABEL = 100
# A queued reply is tried again after these waits, doubling; WhatsApp's 24-hour window bounds how long it is worth it.
QUEUE_FIRST_WAIT = timedelta(seconds=5)
QUEUE_LONGEST_WAIT = timedelta(minutes=10)
# A message that failed this often is given up on (and logged), so that one poisonous message cannot loop.
MAX_ATTEMPTS = 5
# Old ids are forgotten at most this often, by whichever replica takes in a message then.
FORGET_EVERY = timedelta(hours=1)


class SeenMessage(Base):
    """A WhatsApp message id already taken in: Meta delivers at least once, Seva handles each once."""

    __tablename__ = "whatsapp_seen_messages"

    message_id = Column(String(200), primary_key=True)
    sender_id = Column(String(200), nullable=False, index=True)
    received_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    # What the message said (the channel's reading of it, as JSON), to handle it again after a failure.
    payload = Column(Text)
    handled_at = Column(DateTime(timezone=True))
    # Until when the replica that took it in (or took it up again) is handling it.
    lease_until = Column(DateTime(timezone=True), index=True)
    attempts = Column(Integer, nullable=False, default=1, server_default="1")


class SentReply(Base):
    """A reply that went out, keyed by the message it answers and its place among the replies: a message handled
    again after a restart does not send its citizen what they already got."""

    __tablename__ = "whatsapp_sent_replies"

    key = Column(String(240), primary_key=True)
    sent_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class QueuedReply(Base):
    """A reply WhatsApp could not take for a while (rate limits, an outage), kept to be sent when it can, in order."""

    __tablename__ = "whatsapp_queued_replies"

    key = Column(String(240), primary_key=True)
    recipient = Column(String(200), nullable=False, index=True)
    body = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    next_attempt_at = Column(DateTime(timezone=True), nullable=False, index=True)
    attempts = Column(Integer, nullable=False, default=0)


class NumberedChoice(Base):
    """Options last sent to a citizen (buttons, a list, or a numbered text), so that a reply typing an option's label
    picks it, and "2" the second of a numbered text. `payloads` is JSON: {"numbered": ..., "options": [[title,
    payload], ...]} (a plain list of payloads in rows written before labels were kept)."""

    __tablename__ = "whatsapp_numbered_choices"

    recipient = Column(String(200), primary_key=True)
    payloads = Column(Text, nullable=False)
    sent_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class ChannelStore:
    def __init__(
        self,
        database: Database,
        keep_seen: timedelta = timedelta(days=7),
        lease: timedelta = timedelta(minutes=2),
    ):
        # Meta retries an unanswered webhook for days; a week covers it.
        self.db = database
        self.keep_seen = keep_seen
        self.lease = lease
        self._forgotten_at: Optional[datetime] = None
        self._lock = threading.Lock()

    @classmethod
    def for_settings(cls, database: Database, settings: WhatsAppSettings) -> ChannelStore:
        return cls(
            database,
            keep_seen=timedelta(days=settings.message_id_days),
            lease=timedelta(seconds=settings.redeliver_after_seconds),
        )

    def first_time(
        self, message_id: str, sender_id: str, payload: Optional[str] = None, now: Optional[datetime] = None
    ) -> bool:
        """Records the message, leased to the caller; False if it was seen before and is handled, or is being
        handled (a redelivery). Forgets old ids now and then."""
        now = now or utcnow()
        seen = SeenMessage(
            message_id=message_id,
            sender_id=sender_id,
            received_at=now,
            payload=payload,
            lease_until=now + self.lease,
            attempts=1,
        )
        new = self._add_once(seen) or self._claim(message_id, now)
        self._forget_if_due(now)
        return new

    def _add_once(self, row: Any) -> bool:
        """Adds the row; False if one with its key is there already (another replica, or an earlier attempt)."""
        try:
            with self.db.session() as session:
                session.add(row)
            return True
        except IntegrityError:
            return False

    def handled(self, message_id: str, now: Optional[datetime] = None) -> None:
        with self.db.session() as session:
            session.execute(
                update(SeenMessage).where(SeenMessage.message_id == message_id).values(handled_at=now or utcnow())
            )

    def due_again(self, now: Optional[datetime] = None, limit: int = 50) -> List[SeenMessage]:
        """Messages taken in but not handled whose lease ran out, oldest first, now leased to the caller."""
        now = now or utcnow()
        with self.db.session() as session:
            candidates = session.scalars(
                select(SeenMessage.message_id)
                .where(
                    SeenMessage.handled_at.is_(None),
                    SeenMessage.lease_until < now,
                    SeenMessage.attempts < MAX_ATTEMPTS,
                    SeenMessage.payload.is_not(None),
                )
                .order_by(SeenMessage.received_at)
                .limit(limit)
            ).all()
        claimed = [message_id for message_id in candidates if self._claim(message_id, now)]
        if not claimed:
            return []
        with self.db.session() as session:
            rows = session.scalars(select(SeenMessage).where(SeenMessage.message_id.in_(claimed))).all()
            return sorted(rows, key=lambda row: (aware(row.received_at), row.message_id))

    def _claim(self, message_id: str, now: datetime) -> bool:
        """Takes up an unhandled message whose lease ran out; False if it is handled, leased or given up on."""
        with self.db.session() as session:
            result = session.execute(
                update(SeenMessage)
                .where(
                    SeenMessage.message_id == message_id,
                    SeenMessage.handled_at.is_(None),
                    SeenMessage.lease_until < now,
                    SeenMessage.attempts < MAX_ATTEMPTS,
                )
                .values(lease_until=now + self.lease, attempts=SeenMessage.attempts + 1)
            )
            return result.rowcount == 1

    def forget_old(self, now: Optional[datetime] = None) -> int:
        """Forgets message ids older than the period they are kept for, and stale numbered choices."""
        now = now or utcnow()
        with self.db.session() as session:
            seen = session.execute(delete(SeenMessage).where(SeenMessage.received_at < now - self.keep_seen))
            session.execute(delete(SentReply).where(SentReply.sent_at < now - self.keep_seen))
            session.execute(delete(NumberedChoice).where(NumberedChoice.sent_at < now - CHOICE_TTL))
            return seen.rowcount

    def forget_citizen(self, sender_id: str) -> None:
        """Everything the channel holds of one citizen (their "delete my data"): messages, queued replies, choices."""
        with self.db.session() as session:
            session.execute(delete(SeenMessage).where(SeenMessage.sender_id == sender_id))
            session.execute(delete(QueuedReply).where(QueuedReply.recipient == sender_id))
            session.execute(delete(NumberedChoice).where(NumberedChoice.recipient == sender_id))

    def _forget_if_due(self, now: datetime) -> None:
        with self._lock:
            if self._forgotten_at is not None and now - self._forgotten_at < FORGET_EVERY:
                return
            self._forgotten_at = now
        self.forget_old(now)

    def was_sent(self, key: str) -> bool:
        with self.db.session() as session:
            return session.get(SentReply, key) is not None

    def sent(self, key: str) -> None:
        self._add_once(SentReply(key=key, sent_at=utcnow()))

    def queue(self, key: str, recipient: str, body: Dict[str, Any], now: Optional[datetime] = None) -> None:
        now = now or utcnow()
        reply = QueuedReply(
            key=key,
            recipient=recipient,
            body=json.dumps(body, ensure_ascii=False),
            created_at=now,
            next_attempt_at=now + QUEUE_FIRST_WAIT,
            attempts=0,
        )
        self._add_once(reply)  # False when an earlier attempt at this message queued it

    def has_queued(self, recipient: str) -> bool:
        """Whether replies to this citizen wait in the queue: a newer one waits behind them, to keep the order."""
        with self.db.session() as session:
            return (
                session.scalar(select(QueuedReply.key).where(QueuedReply.recipient == recipient).limit(1)) is not None
            )

    def queued_due(self, now: Optional[datetime] = None, limit: int = 100) -> List[QueuedReply]:
        """The queued replies of every citizen whose first reply is due, in order, leased to the caller. (Only the
        first reply's time counts: a later one never overtakes it.)"""
        now = now or utcnow()
        with self.db.session() as session:
            rows = session.execute(
                select(QueuedReply.recipient, QueuedReply.next_attempt_at)
                .order_by(QueuedReply.created_at, QueuedReply.key)
                .limit(1000)
            ).all()
            firsts: Dict[str, datetime] = {}
            for recipient, next_attempt_at in rows:
                firsts.setdefault(recipient, aware(next_attempt_at))
            due = [recipient for recipient, first in firsts.items() if first <= now][:limit]
            if not due:
                return []
            leased_until = now + self.lease
            for recipient in due:
                # Taken only if its first reply is still due: another replica may have just taken it.
                first = session.scalar(
                    select(QueuedReply)
                    .where(QueuedReply.recipient == recipient)
                    .order_by(QueuedReply.created_at, QueuedReply.key)
                    .limit(1)
                    .with_for_update()
                )
                if first is not None and aware(first.next_attempt_at) <= now:
                    session.execute(
                        update(QueuedReply)
                        .where(QueuedReply.recipient == recipient)
                        .values(next_attempt_at=leased_until)
                    )
        with self.db.session() as session:
            leased = session.scalars(
                select(QueuedReply)
                .where(QueuedReply.recipient.in_(due), QueuedReply.next_attempt_at == leased_until)
                .order_by(QueuedReply.created_at, QueuedReply.key)
            ).all()
            return list(leased)

    def dequeue(self, key: str, delivered: bool) -> None:
        """The queued reply went out (its delivery key is recorded) or was refused for good."""
        with self.db.session() as session:
            session.execute(delete(QueuedReply).where(QueuedReply.key == key))
        if delivered:
            self.sent(key)

    def retry_later(self, key: str, now: Optional[datetime] = None) -> None:
        now = now or utcnow()
        with self.db.session() as session:
            row = session.get(QueuedReply, key)
            if row is not None:
                row.attempts += 1
                row.next_attempt_at = now + min(QUEUE_FIRST_WAIT * 2**row.attempts, QUEUE_LONGEST_WAIT)

    def remember_choices(self, recipient: str, options: List[Tuple[str, str]], numbered: bool) -> None:
        """The (title, payload) options just sent; `numbered` when they went out as a numbered text."""
        payloads = json.dumps({"numbered": numbered, "options": [list(option) for option in options]})
        with self.db.session() as session:
            choice = session.get(NumberedChoice, recipient)
            if choice is None:
                session.add(NumberedChoice(recipient=recipient, payloads=payloads))
            else:
                choice.payloads = payloads
                choice.sent_at = utcnow()

    def forget_choices(self, recipient: str) -> None:
        """A newer question went out: a number typed now does not answer the old one."""
        with self.db.session() as session:
            session.execute(delete(NumberedChoice).where(NumberedChoice.recipient == recipient))

    def chosen(self, recipient: str, text: str) -> Optional[str]:
        """The payload of the last options that a reply picks: one typing an option's label ("छोड़ें", "Yes, file it"),
        or like "2" when they went out numbered."""
        typed = normalise(text) if len(text) <= MAX_LABEL else ""
        if not typed:
            return None
        with self.db.session() as session:
            choice = session.get(NumberedChoice, recipient)
            if choice is None or aware(choice.sent_at) < utcnow() - CHOICE_TTL:
                return None
            saved = json.loads(choice.payloads)
        if isinstance(saved, list):
            saved = {"numbered": True, "options": [["", payload] for payload in saved]}
        options = saved["options"]
        number = text.strip().rstrip(".")
        if saved["numbered"] and number.isdigit():
            index = int(number) - 1
            return options[index][1] if 0 <= index < len(options) else None
        return next((payload for title, payload in options if title and normalise(title) == typed), None)
