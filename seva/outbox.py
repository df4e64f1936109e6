"""The notification outbox: what the worker has to tell citizens, claimed under a lease so that several workers
share it and a worker that dies mid-send leaves its claim to the next one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from seva.escalation import Ladders, Level, load_ladders
from seva.models import Attachment, Citizen, Complaint, ComplaintEvent, Notification
from seva.storage import Database, aware, utcnow

PENDING, SENT, FAILED = "pending", "sent", "failed"
# Not sent: the citizen had stopped the updates (their "stop"). Kept, so that staff see what was not told.
WITHHELD = "withheld"
# A claim lasts this long: a worker that has not reported by then is taken to have died.
LEASE = timedelta(minutes=2)
# Retries back off from 10 s to an hour and give up after about a day.
FIRST_RETRY = timedelta(seconds=10)
LONGEST_RETRY = timedelta(hours=1)
MAX_ATTEMPTS = 30


@dataclass(frozen=True)
class Update:
    """One notification with what its message says."""

    id: int
    recipient: str
    channel: str
    language: str
    attempts: int
    number: str
    service_code: str
    tenant_id: str
    action: str
    status: str
    comment: Optional[str]
    at: datetime
    # The response template staff chose, and the photo they sent with it (a proof of fix), if any.
    template: Optional[str] = None
    photo: Optional[str] = None
    # An escalation's level; and, while the complaint is open, when the citizen may expect action on it.
    escalated_to: Optional[Level] = None
    expected: Optional[datetime] = None
    # Told to a citizen who follows the complaint, not the one who filed it.
    following: bool = False
    # A merged duplicate: the number of the complaint kept.
    merged_into: Optional[str] = None


class Outbox:
    def __init__(self, database: Database, ladders: Optional[Ladders] = None):
        self.db = database
        self.ladders = ladders or load_ladders()

    def claim(self, limit: int = 20, now: Optional[datetime] = None) -> List[Update]:
        """Notifications due now, each now leased to the caller for LEASE."""
        now = now or utcnow()
        earlier = aliased(Notification)
        # A complaint's updates are told to each citizen in order: one waits while an earlier one to the same citizen
        # is still to be sent.
        waits = (
            select(earlier.id)
            .where(
                earlier.complaint_id == Notification.complaint_id,
                earlier.recipient == Notification.recipient,
                earlier.state == PENDING,
                earlier.id < Notification.id,
            )
            .exists()
        )
        with self.db.session() as session:
            stopped = select(Citizen.sender_id).where(Citizen.updates_stopped_at.is_not(None))
            session.execute(
                update(Notification)
                .where(Notification.state == PENDING, Notification.recipient.in_(stopped))
                .values(state=WITHHELD, last_error="the citizen stopped updates")
                .execution_options(synchronize_session=False)
            )
            query = (
                select(Notification)
                .where(Notification.state == PENDING, Notification.next_attempt_at <= now, ~waits)
                .order_by(Notification.id)
                .limit(limit)
            )
            if session.get_bind().dialect.name == "postgresql":
                # Another worker's claims are skipped, not waited for (SQLite serialises writers anyway).
                query = query.with_for_update(skip_locked=True)
            claimed = session.scalars(query).all()
            for notification in claimed:
                notification.attempts += 1
                notification.next_attempt_at = now + LEASE
            session.flush()
            return [self._update(session, n) for n in claimed]

    def sent(self, notification_id: int, via: str, now: Optional[datetime] = None) -> None:
        with self.db.session() as session:
            notification = session.get(Notification, notification_id)
            notification.state = SENT
            notification.sent_via = via
            notification.sent_at = now or utcnow()
            notification.last_error = None

    def failed(self, notification_id: int, error: str, now: Optional[datetime] = None) -> str:
        """Records a failed attempt; the state it leaves: pending (to retry later) or failed (given up)."""
        now = now or utcnow()
        with self.db.session() as session:
            notification = session.get(Notification, notification_id)
            notification.last_error = error[:2000]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.state = FAILED
            else:
                notification.next_attempt_at = now + backoff(notification.attempts)
            return notification.state

    def counts(self) -> dict:
        with self.db.session() as session:
            rows = session.execute(select(Notification.state, func.count()).group_by(Notification.state))
            return {state: count for state, count in rows}

    def _update(self, session, notification: Notification) -> Update:
        event: ComplaintEvent = notification.event
        complaint: Complaint = notification.complaint
        citizen = session.get(Citizen, notification.recipient)
        photo = session.scalar(
            select(Attachment.uri).where(Attachment.event_id == event.id).order_by(Attachment.id).limit(1)
        )
        level = self.ladders.level(complaint.tenant_id, complaint.category, event.level) if event.level else None
        return Update(
            id=notification.id,
            recipient=notification.recipient,
            channel=notification.channel,
            # The language the citizen speaks now, which may not be the one they filed in.
            language=citizen.language if citizen and citizen.language else complaint.language,
            attempts=notification.attempts,
            number=complaint.number,
            service_code=complaint.service_code,
            tenant_id=complaint.tenant_id,
            action=event.action,
            status=event.to_status,
            comment=event.comment,
            at=aware(event.created_at),
            template=event.template,
            photo=photo,
            escalated_to=level,
            expected=self.ladders.expected_by(complaint),
            following=notification.recipient != complaint.sender_id,
            merged_into=complaint.merged_into,
        )


def backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)
