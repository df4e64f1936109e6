"""Filing and tracking complaints: plain Python over the database, no Rasa in sight."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import List, Optional, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from actions.catalogue import Catalogue
from actions.db import Attachment, Complaint, ComplaintEvent, DailySequence, Database, utcnow

# Complaint numbers carry the filing date as Punjab sees it.
LOCAL_TZ = ZoneInfo("Asia/Kolkata")
NUMBER_PATTERN = re.compile(r"\bPB-PGR-(\d{4})-(\d{2})-(\d{2})-(\d{6})\b", re.IGNORECASE)
FILED = "PENDINGFORASSIGNMENT"
OPEN_STATUSES = ("PENDINGFORASSIGNMENT", "PENDINGFORREASSIGNMENT", "PENDINGATLME")
PAGE_SIZE = 5
# "My complaints" shows closed complaints of this recent past after the open ones.
RECENT_CLOSED = timedelta(days=90)


@dataclass
class Draft:
    """What the citizen told us, ready to be filed."""

    service_code: str
    tenant_id: str
    description: str
    locality_code: Optional[str] = None
    locality_name: Optional[str] = None
    landmark: Optional[str] = None
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    photos: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    action: str
    status: str
    actor: str
    comment: Optional[str]


@dataclass(frozen=True)
class ComplaintView:
    number: str
    service_code: str
    category: str
    tenant_id: str
    locality_code: Optional[str]
    locality_name: Optional[str]
    landmark: Optional[str]
    description: str
    status: str
    created_at: datetime
    due_at: datetime
    latitude: Optional[float]
    longitude: Optional[float]
    photos: Tuple[str, ...]
    history: Tuple[HistoryEntry, ...]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class Page:
    items: Tuple[ComplaintView, ...]
    page: int
    total: int

    @property
    def has_more(self) -> bool:
        return (self.page + 1) * PAGE_SIZE < self.total


def canonical_number(text: str) -> Optional[str]:
    """The complaint number written in the text, upper-cased, or None."""
    match = NUMBER_PATTERN.search(text or "")
    return match.group(0).upper() if match else None


class Complaints:
    def __init__(self, database: Database, catalogue: Catalogue):
        self.db = database
        self.catalogue = catalogue

    def file(
        self,
        sender_id: str,
        channel: str,
        language: str,
        draft: Draft,
        submission_key: str,
        now: Optional[datetime] = None,
    ) -> Tuple[ComplaintView, bool]:
        """Files the draft once per submission key: (the complaint, whether it was filed by this call)."""
        service = self.catalogue.services[draft.service_code]
        if draft.tenant_id not in self.catalogue.cities:
            raise ValueError(f"unknown city {draft.tenant_id}")
        now = now or utcnow()
        try:
            with self.db.session() as session:
                existing = session.scalar(self._select().where(Complaint.submission_key == submission_key))
                if existing is not None:
                    return _view(existing), False
                complaint = Complaint(
                    number=self._next_number(session, now),
                    submission_key=submission_key,
                    sender_id=sender_id,
                    channel=channel,
                    language=language,
                    service_code=service.code,
                    category=service.category,
                    department=service.department,
                    tenant_id=draft.tenant_id,
                    locality_code=draft.locality_code,
                    locality_name=draft.locality_name,
                    landmark=draft.landmark,
                    description=draft.description,
                    latitude=draft.latitude,
                    longitude=draft.longitude,
                    status=FILED,
                    created_at=now,
                    updated_at=now,
                    due_at=now + timedelta(hours=service.sla_hours),
                )
                complaint.events.append(
                    ComplaintEvent(action="APPLY", to_status=FILED, actor=f"citizen:{sender_id}", created_at=now)
                )
                for uri in draft.photos:
                    complaint.attachments.append(Attachment(kind="photo", uri=uri, created_at=now))
                session.add(complaint)
                session.flush()
                return _view(complaint), True
        except IntegrityError:
            # Another request filed the same submission at the same moment: theirs is the one.
            with self.db.session() as session:
                existing = session.scalar(self._select().where(Complaint.submission_key == submission_key))
                if existing is None:
                    raise
                return _view(existing), False

    def find(self, sender_id: str, number: str) -> Optional[ComplaintView]:
        """The citizen's own complaint with that number; someone else's is as good as absent."""
        number = canonical_number(number) or ""
        with self.db.session() as session:
            complaint = session.scalar(
                self._select().where(Complaint.number == number, Complaint.sender_id == sender_id)
            )
            return _view(complaint) if complaint else None

    def list_for(self, sender_id: str, page: int = 0, now: Optional[datetime] = None) -> Page:
        """Open complaints, newest first, then those closed in the recent past."""
        now = now or utcnow()
        is_open = Complaint.status.in_(OPEN_STATUSES)
        mine = and_(
            Complaint.sender_id == sender_id,
            or_(is_open, Complaint.updated_at >= now - RECENT_CLOSED),
        )
        with self.db.session() as session:
            total = session.scalar(select(func.count()).select_from(Complaint).where(mine))
            rows = session.scalars(
                self._select()
                .where(mine)
                .order_by(is_open.desc(), Complaint.updated_at.desc(), Complaint.id.desc())
                .offset(page * PAGE_SIZE)
                .limit(PAGE_SIZE)
            ).all()
            return Page(tuple(_view(c) for c in rows), page, total)

    @staticmethod
    def _select():
        return select(Complaint).options(selectinload(Complaint.events), selectinload(Complaint.attachments))

    @staticmethod
    def _next_number(session, now: datetime) -> str:
        """The next number of the filing date; the row lock on the day's counter serialises concurrent filers."""
        day = now.astimezone(LOCAL_TZ).date()
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(
            insert(DailySequence).values(day=day, last=0).on_conflict_do_nothing(index_elements=["day"])
        )
        session.execute(update(DailySequence).where(DailySequence.day == day).values(last=DailySequence.last + 1))
        last = session.scalar(select(DailySequence.last).where(DailySequence.day == day))
        return f"PB-PGR-{day:%Y-%m-%d}-{last:06d}"


def _view(c: Complaint) -> ComplaintView:
    return ComplaintView(
        number=c.number,
        service_code=c.service_code,
        category=c.category,
        tenant_id=c.tenant_id,
        locality_code=c.locality_code,
        locality_name=c.locality_name,
        landmark=c.landmark,
        description=c.description,
        status=c.status,
        created_at=_aware(c.created_at),
        due_at=_aware(c.due_at),
        latitude=c.latitude,
        longitude=c.longitude,
        photos=tuple(a.uri for a in c.attachments if a.kind == "photo"),
        history=tuple(
            HistoryEntry(_aware(e.created_at), e.action, e.to_status, e.actor, e.comment) for e in c.events
        ),
    )


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
