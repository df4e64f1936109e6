"""The one reminder to a citizen who stopped in the middle of filing a complaint.

The action server notes each answer of a filing (`touch`) and its end (`end`); the notification worker claims the
filings quiet for `after` and asks Rasa to remind each. A claim is a conditional update, so of several workers one
wins, and a filing keeps its claim until it ends: never more than one reminder. Only filings whose last answer lies
inside WhatsApp's 24-hour window are reminded, since a business may not write freely after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import delete, select, update

from seva.citizens import FREE_WINDOW
from seva.models import Citizen, FilingInProgress
from seva.storage import Database, utcnow


@dataclass(frozen=True)
class Reminder:
    sender_id: str
    channel: str


class FilingReminders:
    def __init__(self, database: Database, after: timedelta):
        self.db = database
        self.after = after

    def touch(self, sender_id: str, channel: str, at: Optional[datetime] = None) -> None:
        """The citizen answered a question of the form they are filling in."""
        moment = at or utcnow()
        with self.db.session() as session:
            filing = session.get(FilingInProgress, sender_id)
            if filing is None:
                session.add(FilingInProgress(sender_id=sender_id, channel=channel, touched_at=moment))
            else:
                filing.channel = channel
                filing.touched_at = moment

    def end(self, sender_id: str) -> None:
        """Filed, followed instead, or cancelled: nothing left to remind of."""
        with self.db.session() as session:
            session.execute(delete(FilingInProgress).where(FilingInProgress.sender_id == sender_id))

    def claim_due(self, now: Optional[datetime] = None, limit: int = 50) -> List[Reminder]:
        """The filings to remind now, each claimed by this call alone."""
        now = now or utcnow()
        quiet_since = now - self.after
        with self.db.session() as session:
            # Left too long ago to be reminded (a business may not write to them freely): forgotten.
            session.execute(delete(FilingInProgress).where(FilingInProgress.touched_at <= now - FREE_WINDOW))
        with self.db.session() as session:
            candidates = session.execute(
                select(FilingInProgress.sender_id, FilingInProgress.channel, FilingInProgress.touched_at)
                .where(
                    FilingInProgress.reminded_at.is_(None),
                    FilingInProgress.touched_at <= quiet_since,
                    # A reminder is an update Seva starts: not to a citizen who stopped them.
                    ~select(Citizen.sender_id)
                    .where(Citizen.sender_id == FilingInProgress.sender_id, Citizen.updates_stopped_at.is_not(None))
                    .exists(),
                )
                .order_by(FilingInProgress.touched_at)
                .limit(limit)
            ).all()
        claimed = []
        for sender_id, channel, touched_at in candidates:
            with self.db.session() as session:
                # Unchanged since it was read: not claimed by another worker, and the citizen has not answered since.
                won = session.execute(
                    update(FilingInProgress)
                    .where(
                        FilingInProgress.sender_id == sender_id,
                        FilingInProgress.reminded_at.is_(None),
                        FilingInProgress.touched_at == touched_at,
                    )
                    .values(reminded_at=now)
                    .execution_options(synchronize_session=False)
                ).rowcount
            if won:
                claimed.append(Reminder(sender_id, channel))
        return claimed
