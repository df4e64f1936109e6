"""A person when the citizen asks: the conversation is handed to an operator queue; while it is, Seva does not
answer that citizen; the operator's replies go out through the outbox-like queue here; and a hand-over that no
operator answers in time goes back to Seva, which apologises.

Operators see the hand-overs of their city (the city of the citizen's last complaint), and those of citizens with no
complaint yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from seva.models import Complaint, Handover, HandoverMessage
from seva.storage import Database, aware, utcnow

CITIZEN, SEVA, OPERATOR = "citizen", "seva", "operator"
PENDING, SENT, FAILED = "pending", "sent", "failed"
HANDED_BACK, TIMED_OUT = "handed_back", "timed_out"
# An operator's reply that WhatsApp does not take is tried this often before it is given up.
MAX_ATTEMPTS = 5
# What the operator sees of the conversation before the hand-over.
CONTEXT_LINES = 10
MAX_TEXT = 4096


class HandoverError(Exception):
    """Not a hand-over this operator may act on, or one already handed back."""


@dataclass(frozen=True)
class Line:
    author: str
    text: str
    at: datetime
    operator: Optional[str] = None
    state: Optional[str] = None


@dataclass(frozen=True)
class Conversation:
    id: int
    sender_id: str
    channel: str
    language: str
    tenant_id: Optional[str]
    requested_at: datetime
    operator: Optional[str]
    ended_at: Optional[datetime]
    ended_how: Optional[str]
    lines: Tuple[Line, ...]

    @property
    def waiting(self) -> bool:
        """The citizen wrote (or asked) and no operator answered since."""
        return self.ended_at is None and (not self.lines or self.lines[-1].author != OPERATOR)


@dataclass(frozen=True)
class Reply:
    id: int
    handover_id: int
    recipient: str
    channel: str
    text: str
    attempts: int


@dataclass(frozen=True)
class Ended:
    """A hand-over given back to Seva, whose citizen is to be told so in their language."""

    id: int
    sender_id: str
    channel: str
    how: str


class Handovers:
    def __init__(self, database: Database, timeout: timedelta):
        self.db = database
        self.timeout = timeout

    def hand_over(
        self,
        sender_id: str,
        channel: str,
        language: str,
        context: Iterable[Tuple[str, str]] = (),
        now: Optional[datetime] = None,
    ) -> int:
        """Opens the hand-over (or finds the one open) with the last lines said with Seva, (author, text) each."""
        now = now or utcnow()
        with self.db.session() as session:
            found = _open(session, sender_id)
            if found is not None:
                return found.id
            tenant = session.scalar(
                select(Complaint.tenant_id).where(Complaint.sender_id == sender_id).order_by(Complaint.id.desc())
            )
            handover = Handover(
                sender_id=sender_id, channel=channel, language=language, tenant_id=tenant, requested_at=now
            )
            for author, text in list(context)[-CONTEXT_LINES:]:
                handover.messages.append(HandoverMessage(author=author, text=text[:MAX_TEXT], at=now))
            session.add(handover)
            session.flush()
            return handover.id

    def open_for(self, sender_id: str) -> Optional[int]:
        """The hand-over this citizen is in, if any: Seva keeps quiet while there is one."""
        with self.db.session() as session:
            found = _open(session, sender_id)
            return found.id if found is not None else None

    def citizen_wrote(self, handover_id: int, text: str, now: Optional[datetime] = None) -> None:
        with self.db.session() as session:
            session.add(
                HandoverMessage(handover_id=handover_id, author=CITIZEN, text=text[:MAX_TEXT], at=now or utcnow())
            )

    def queue(self, tenants: Optional[Iterable[str]] = None) -> List[Conversation]:
        """The open hand-overs an operator of these cities (None: any city) sees, the longest waiting first."""
        with self.db.session() as session:
            query = select(Handover).where(Handover.ended_at.is_(None)).order_by(Handover.requested_at)
            if tenants is not None:
                query = query.where(Handover.tenant_id.in_(list(tenants)) | Handover.tenant_id.is_(None))
            return [_conversation(h) for h in session.scalars(query)]

    def conversation(self, handover_id: int, tenants: Optional[Iterable[str]] = None) -> Conversation:
        with self.db.session() as session:
            return _conversation(_visible(session, handover_id, tenants))

    def reply(
        self, handover_id: int, operator: str, text: str, tenants: Optional[Iterable[str]] = None, now=None
    ) -> None:
        """The operator's reply, queued for the worker to send."""
        now = now or utcnow()
        text = text.strip()
        if not text:
            raise HandoverError("the reply is empty")
        with self.db.session() as session:
            handover = _visible(session, handover_id, tenants)
            if handover.ended_at is not None:
                raise HandoverError("this conversation was handed back to Seva")
            handover.operator = handover.operator or operator
            handover.answered_at = now
            handover.messages.append(
                HandoverMessage(author=OPERATOR, operator=operator, text=text[:MAX_TEXT], at=now, state=PENDING)
            )

    def hand_back(self, handover_id: int, operator: str, tenants: Optional[Iterable[str]] = None, now=None) -> None:
        with self.db.session() as session:
            handover = _visible(session, handover_id, tenants)
            if handover.ended_at is not None:
                raise HandoverError("this conversation was handed back to Seva already")
            handover.operator = handover.operator or operator
            handover.ended_at, handover.ended_how = now or utcnow(), HANDED_BACK

    def replies_to_send(self, limit: int = 20) -> List[Reply]:
        """Operators' replies not yet sent, oldest first."""
        with self.db.session() as session:
            rows = session.execute(
                select(HandoverMessage, Handover)
                .join(Handover, HandoverMessage.handover_id == Handover.id)
                .where(HandoverMessage.state == PENDING)
                .order_by(HandoverMessage.id)
                .limit(limit)
            ).all()
            return [Reply(m.id, h.id, h.sender_id, h.channel, m.text, m.attempts) for m, h in rows]

    def reply_sent(self, reply_id: int) -> None:
        with self.db.session() as session:
            message = session.get(HandoverMessage, reply_id)
            message.state, message.last_error = SENT, None
            message.attempts += 1

    def reply_failed(self, reply_id: int, error: str) -> str:
        with self.db.session() as session:
            message = session.get(HandoverMessage, reply_id)
            message.attempts += 1
            message.last_error = error[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                message.state = FAILED
            return message.state

    def time_out(self, now: Optional[datetime] = None) -> int:
        """Hands back to Seva every hand-over whose citizen has waited longer than the timeout for an operator."""
        now = now or utcnow()
        ended = 0
        with self.db.session() as session:
            for handover in session.scalars(select(Handover).where(Handover.ended_at.is_(None))):
                if now - _waiting_since(handover) > self.timeout and _conversation(handover).waiting:
                    handover.ended_at, handover.ended_how = now, TIMED_OUT
                    ended += 1
        return ended

    def to_tell_back(self) -> List[Ended]:
        """Hand-overs ended whose citizen is not yet told that Seva is back (and, if timed out, sorry)."""
        with self.db.session() as session:
            rows = session.scalars(
                select(Handover).where(Handover.ended_at.is_not(None), Handover.told_back_at.is_(None))
            )
            return [Ended(h.id, h.sender_id, h.channel, h.ended_how) for h in rows]

    def told_back(self, handover_id: int, now: Optional[datetime] = None) -> None:
        with self.db.session() as session:
            session.get(Handover, handover_id).told_back_at = now or utcnow()

    def forget_before(self, before: datetime) -> int:
        """Deletes hand-overs that ended before this moment, with their lines (the retention job)."""
        with self.db.session() as session:
            old = session.scalars(select(Handover).where(Handover.ended_at < before)).all()
            for handover in old:
                session.delete(handover)
            return len(old)


def _open(session: Session, sender_id: str) -> Optional[Handover]:
    return session.scalar(
        select(Handover).where(Handover.sender_id == sender_id, Handover.ended_at.is_(None)).order_by(Handover.id)
    )


def _visible(session: Session, handover_id: int, tenants: Optional[Iterable[str]]) -> Handover:
    handover = session.get(Handover, handover_id)
    if handover is None or (
        tenants is not None and handover.tenant_id is not None and handover.tenant_id not in set(tenants)
    ):
        raise HandoverError("no such conversation in your cities")
    return handover


def _waiting_since(handover: Handover) -> datetime:
    """When the citizen began to wait: the hand-over, or their first message after the operator's last reply."""
    since: Optional[datetime] = aware(handover.requested_at)
    for message in handover.messages:
        if message.author == OPERATOR:
            since = None
        elif message.author == CITIZEN and since is None:
            since = aware(message.at)
    return since or utcnow()


def _conversation(handover: Handover) -> Conversation:
    return Conversation(
        id=handover.id,
        sender_id=handover.sender_id,
        channel=handover.channel,
        language=handover.language,
        tenant_id=handover.tenant_id,
        requested_at=aware(handover.requested_at),
        operator=handover.operator,
        ended_at=aware(handover.ended_at) if handover.ended_at else None,
        ended_how=handover.ended_how,
        lines=tuple(Line(m.author, m.text, aware(m.at), m.operator, m.state) for m in handover.messages),
    )
