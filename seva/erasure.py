"""A citizen's "delete my data": once none of their complaints is open, their number, name and words go, and their
complaints stay, anonymised, for the statistics.

Seva's own tables are anonymised here, in one transaction. The conversation itself lives in Rasa's tracker store and
in the WhatsApp channel's tables, which only their adapters know: each asks `conversations_to_erase` and reports
back with `conversation_erased`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import List, Optional, Tuple

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from seva.models import (
    Attachment,
    Citizen,
    CitizenChoice,
    Complaint,
    ComplaintEvent,
    ComplaintFollower,
    ErasureRequest,
    FilingInProgress,
    Handover,
    Notification,
)
from seva.storage import Database, aware, utcnow
from seva.workflow import OPEN_STATUSES, Actor

# What an anonymised complaint says instead of the citizen's words.
ERASED_DESCRIPTION = "(erased at the citizen's request)"
# Places are kept to about 100 m: enough for the statistics of a ward, not enough to point at a home.
PLACE_DECIMALS = 3
# Rasa saves a conversation after the turn that asked: its erasure waits this long, so that it erases that turn too.
SETTLE = timedelta(seconds=10)


@dataclass(frozen=True)
class ErasureOutcome:
    # The citizen's open complaints: their data is erased once these are closed. Empty: erased now.
    waiting_for: Tuple[str, ...]

    @property
    def done(self) -> bool:
        return not self.waiting_for


@dataclass(frozen=True)
class Erased:
    """A deletion carried out later, whose citizen is still to be told, in their language on their channel."""

    sender_id: str
    channel: str
    language: str


class Erasure:
    def __init__(self, database: Database, media_dir: Path):
        self.db = database
        self.media_dir = media_dir

    def request(self, sender_id: str, channel: str, language: str, now: Optional[datetime] = None) -> ErasureOutcome:
        """Records the request, and carries it out now if none of the citizen's complaints is open."""
        now = now or utcnow()
        with self.db.session() as session:
            request = session.get(ErasureRequest, sender_id)
            if request is None:
                request = ErasureRequest(sender_id=sender_id, channel=channel, language=language, requested_at=now)
                session.add(request)
            else:
                request.language, request.done_at = language, None
            waiting = _open_numbers(session, sender_id)
            if not waiting:
                photos = _anonymise(session, sender_id)
                request.done_at = now
        if not waiting:
            self._forget_photos(photos)
        return ErasureOutcome(tuple(waiting))

    def carry_out_waiting(self, now: Optional[datetime] = None) -> List[Erased]:
        """The requests whose complaints have all closed since, carried out: their citizens are to be told."""
        now = now or utcnow()
        erased, photos = [], []
        with self.db.session() as session:
            waiting = session.scalars(select(ErasureRequest).where(ErasureRequest.done_at.is_(None))).all()
            for request in waiting:
                if _open_numbers(session, request.sender_id):
                    continue
                photos += _anonymise(session, request.sender_id)
                request.done_at = now
                erased.append(Erased(request.sender_id, request.channel, request.language))
        self._forget_photos(photos)
        return erased

    def conversations_to_erase(self, now: Optional[datetime] = None) -> List[str]:
        """Citizens whose data is erased here, whose conversation is still to be erased where it is kept."""
        now = now or utcnow()
        with self.db.session() as session:
            rows = session.scalars(select(ErasureRequest).where(ErasureRequest.done_at.is_not(None))).all()
            return [r.sender_id for r in rows if aware(r.done_at) <= now - SETTLE]

    def conversation_erased(self, sender_id: str) -> None:
        """The last of the citizen's number goes with the request."""
        with self.db.session() as session:
            session.execute(
                delete(ErasureRequest).where(ErasureRequest.sender_id == sender_id, ErasureRequest.done_at.is_not(None))
            )

    def _forget_photos(self, uris: List[str]) -> None:
        """Photos no complaint refers to any more are deleted from the media directory."""
        if not uris:
            return
        with self.db.session() as session:
            kept = set(session.scalars(select(Attachment.uri).where(Attachment.uri.in_(uris))))
        media = self.media_dir.resolve()
        for uri in set(uris) - kept:
            path = (media / uri).resolve()
            if path.is_relative_to(media):
                path.unlink(missing_ok=True)


def _open_numbers(session: Session, sender_id: str) -> List[str]:
    return list(
        session.scalars(
            select(Complaint.number)
            .where(Complaint.sender_id == sender_id, Complaint.status.in_(OPEN_STATUSES))
            .order_by(Complaint.id)
        )
    )


def _anonymise(session: Session, sender_id: str) -> List[str]:
    """Everything Seva's tables hold of the citizen, gone or anonymised; the uris of the photos they sent."""
    anonymous = f"erased:{secrets.token_hex(8)}"
    ids = list(session.scalars(select(Complaint.id).where(Complaint.sender_id == sender_id)))
    photos = list(
        session.scalars(select(Attachment.uri).where(Attachment.complaint_id.in_(ids), Attachment.event_id.is_(None)))
    )
    session.execute(delete(Attachment).where(Attachment.complaint_id.in_(ids), Attachment.event_id.is_(None)))
    for complaint in session.scalars(select(Complaint).where(Complaint.id.in_(ids))):
        complaint.sender_id = anonymous
        complaint.description = ERASED_DESCRIPTION
        complaint.landmark = None
        if complaint.latitude is not None and complaint.longitude is not None:
            complaint.latitude = round(complaint.latitude, PLACE_DECIMALS)
            complaint.longitude = round(complaint.longitude, PLACE_DECIMALS)
    # Their reopening reasons and comments are their words too.
    session.execute(
        update(ComplaintEvent)
        .where(ComplaintEvent.actor == Actor.citizen(sender_id).label)
        .values(actor=Actor.citizen("erased").label, comment=None)
    )
    session.execute(delete(ComplaintFollower).where(ComplaintFollower.sender_id == sender_id))
    session.execute(delete(Notification).where(Notification.recipient == sender_id))
    session.execute(delete(FilingInProgress).where(FilingInProgress.sender_id == sender_id))
    session.execute(delete(Handover).where(Handover.sender_id == sender_id))
    session.execute(delete(CitizenChoice).where(CitizenChoice.sender_id == sender_id))
    session.execute(delete(Citizen).where(Citizen.sender_id == sender_id))
    return photos
