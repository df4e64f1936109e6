"""Filing and tracking complaints: plain Python over the database, no Rasa in sight."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Dict, Iterator, List, Optional, Tuple

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from seva.catalogue import Catalogue
from seva.duplicates import DuplicateRules, same_place
from seva.limits import MAX_DESCRIPTION, MAX_LANDMARK, MAX_PHOTO_LINK, MAX_PLACE
from seva.models import Attachment, Complaint, ComplaintFollower, DailySequence
from seva.numbering import LOCAL_TZ, canonical_number, complaint_number
from seva.storage import Database, aware, utcnow
from seva.text import clean_text
from seva.workflow import APPLY, OPEN_STATUSES, PENDINGATLME, Actor, decide, effects

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

    def as_kept(self) -> Draft:
        """The draft as it is stored: no characters a database refuses, each field within its column. (The
        conversation already cut what the citizen typed, and showed it; this is the last line of defence.)"""
        return replace(
            self,
            description=clean_text(self.description, MAX_DESCRIPTION),
            locality_name=_cut(self.locality_name, MAX_PLACE),
            landmark=_cut(self.landmark, MAX_LANDMARK),
            photos=[clean_text(p) for p in self.photos if len(p) <= MAX_PHOTO_LINK],
        )


def _cut(text: Optional[str], limit: int) -> Optional[str]:
    return clean_text(text, limit) if text is not None else None


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    action: str
    from_status: Optional[str]
    status: str
    actor: str
    role: str
    comment: Optional[str]
    template: Optional[str] = None
    # The escalation level an ESCALATE entry reached.
    level: Optional[int] = None


@dataclass(frozen=True)
class ComplaintView:
    number: str
    citizen: str
    channel: str
    language: str
    service_code: str
    category: str
    department: str
    tenant_id: str
    locality_code: Optional[str]
    locality_name: Optional[str]
    landmark: Optional[str]
    description: str
    status: str
    created_at: datetime
    updated_at: datetime
    status_changed_at: datetime
    due_at: datetime
    stage_due_at: Optional[datetime]
    assigned_to: Optional[str]
    rating: Optional[int]
    latitude: Optional[float]
    longitude: Optional[float]
    photos: Tuple[str, ...]
    history: Tuple[HistoryEntry, ...]
    escalation_level: int = 0
    escalated_at: Optional[datetime] = None
    followers: int = 0
    merged_into: Optional[str] = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue(self, now: datetime) -> bool:
        """Open past its service's SLA, or waiting at the field employee past their three days."""
        if not self.is_open:
            return False
        stage_late = self.status == PENDINGATLME and self.stage_due_at is not None and now > self.stage_due_at
        return now > self.due_at or stage_late


@dataclass(frozen=True)
class Page:
    items: Tuple[ComplaintView, ...]
    page: int
    total: int
    page_size: int = PAGE_SIZE

    @property
    def has_more(self) -> bool:
        return (self.page + 1) * self.page_size < self.total


@dataclass(frozen=True)
class Query:
    """Staff's filters over complaints; None means any."""

    tenant_id: Optional[str] = None
    status: Optional[str] = None
    category: Optional[str] = None
    overdue: Optional[bool] = None
    assigned_to: Optional[str] = None
    page: int = 0
    page_size: int = 20
    # Any of these cities (an administrator's), when no one city is asked for.
    tenant_ids: Tuple[str, ...] = ()
    # Any of these statuses (a tab of the console's queue), when no one status is asked for.
    statuses: Tuple[str, ...] = ()
    locality_code: Optional[str] = None
    # Only open complaints that have gone up their escalation ladder.
    escalated: bool = False
    service_codes: Tuple[str, ...] = ()
    # Filed from, to (both included).
    filed_from: Optional[datetime] = None
    filed_to: Optional[datetime] = None
    numbers: Tuple[str, ...] = ()

    def conditions(self, now: datetime) -> list:
        conditions = []
        if self.tenant_id:
            conditions.append(Complaint.tenant_id == self.tenant_id)
        elif self.tenant_ids:
            conditions.append(Complaint.tenant_id.in_(self.tenant_ids))
        if self.status:
            conditions.append(Complaint.status == self.status)
        elif self.statuses:
            conditions.append(Complaint.status.in_(self.statuses))
        if self.locality_code:
            conditions.append(Complaint.locality_code == self.locality_code)
        if self.escalated:
            conditions.append(and_(Complaint.status.in_(OPEN_STATUSES), Complaint.escalation_level > 0))
        if self.service_codes:
            conditions.append(Complaint.service_code.in_(self.service_codes))
        if self.filed_from is not None:
            conditions.append(Complaint.created_at >= self.filed_from)
        if self.filed_to is not None:
            conditions.append(Complaint.created_at <= self.filed_to)
        if self.numbers:
            conditions.append(Complaint.number.in_(self.numbers))
        if self.category:
            conditions.append(Complaint.category == self.category)
        if self.assigned_to:
            conditions.append(Complaint.assigned_to == self.assigned_to)
        if self.overdue is not None:
            late = overdue_at(now)
            conditions.append(late if self.overdue else ~late)
        return conditions


def overdue_at(now: datetime):
    """The condition of a complaint overdue now (as `ComplaintView.overdue` says it), for a query."""
    return and_(
        Complaint.status.in_(OPEN_STATUSES),
        or_(Complaint.due_at < now, and_(Complaint.status == PENDINGATLME, Complaint.stage_due_at < now)),
    )


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
        draft = draft.as_kept()
        if draft.tenant_id not in self.catalogue.cities:
            raise ValueError(f"unknown city {draft.tenant_id}")
        now = now or utcnow()
        try:
            with self.db.session() as session:
                existing = session.scalar(select_complaints().where(Complaint.submission_key == submission_key))
                if existing is not None:
                    return view_of(existing), False
                citizen = Actor.citizen(sender_id)
                target = decide(APPLY, citizen, None, now)
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
                    created_at=now,
                )
                complaint.record(APPLY, None, citizen, None, effects(APPLY, target, now, service.sla))
                for uri in draft.photos:
                    complaint.attachments.append(Attachment.photo(uri, now))
                session.add(complaint)
                session.flush()
                return view_of(complaint), True
        except IntegrityError:
            # Another request filed the same submission at the same moment: theirs is the one.
            with self.db.session() as session:
                existing = session.scalar(select_complaints().where(Complaint.submission_key == submission_key))
                if existing is None:
                    raise
                return view_of(existing), False

    def find(self, sender_id: str, number: str) -> Optional[ComplaintView]:
        """The citizen's own complaint with that number, or one they follow; anyone else's is as good as absent."""
        number = canonical_number(number) or ""
        with self.db.session() as session:
            complaint = session.scalar(
                select_complaints().where(
                    Complaint.number == number, or_(Complaint.sender_id == sender_id, _followed_by(sender_id))
                )
            )
            return view_of(complaint) if complaint else None

    def similar(
        self, sender_id: str, draft: Draft, rules: DuplicateRules, now: Optional[datetime] = None
    ) -> Optional[ComplaintView]:
        """The open complaint of someone else that the draft probably reports again (seva.duplicates), the latest
        filed; None when there is none, or when the citizen already follows it."""
        now = now or utcnow()
        rule = rules.of(self.catalogue.services[draft.service_code].category)
        pin = (draft.latitude, draft.longitude) if draft.latitude is not None and draft.longitude is not None else None
        with self.db.session() as session:
            candidates = session.scalars(
                select_complaints()
                .where(
                    Complaint.tenant_id == draft.tenant_id,
                    Complaint.service_code == draft.service_code,
                    Complaint.status.in_(OPEN_STATUSES),
                    Complaint.created_at >= now - rule.window,
                    Complaint.sender_id != sender_id,
                    ~_followed_by(sender_id),
                )
                .order_by(Complaint.created_at.desc(), Complaint.id.desc())
                .limit(50)
            ).all()
            for c in candidates:
                other_pin = (c.latitude, c.longitude) if c.latitude is not None and c.longitude is not None else None
                if same_place(rule, draft.locality_code, pin, c.locality_code, other_pin):
                    return view_of(c)
        return None

    def follow(
        self, number: str, sender_id: str, channel: str, now: Optional[datetime] = None
    ) -> Optional[ComplaintView]:
        """The citizen follows someone else's open complaint (once, however often asked); None if there is no such
        complaint to follow."""
        now = now or utcnow()
        try:
            with self.db.session() as session:
                complaint = session.scalar(
                    select_complaints().where(Complaint.number == (canonical_number(number) or "")).with_for_update()
                )
                if complaint is None or complaint.status not in OPEN_STATUSES:
                    return None
                complaint.add_followers([(sender_id, channel)], now)
                session.flush()
                return view_of(complaint)
        except IntegrityError:
            # The same citizen asked twice at once: the other request made them a follower.
            return self.get(number)

    def list_for(self, sender_id: str, page: int = 0, now: Optional[datetime] = None) -> Page:
        """The citizen's open complaints and those they follow, newest first, then those closed in the recent past."""
        now = now or utcnow()
        is_open = Complaint.status.in_(OPEN_STATUSES)
        mine = and_(
            or_(Complaint.sender_id == sender_id, _followed_by(sender_id)),
            or_(is_open, Complaint.updated_at >= now - RECENT_CLOSED),
        )
        with self.db.session() as session:
            total = session.scalar(select(func.count()).select_from(Complaint).where(mine))
            rows = session.scalars(
                select_complaints()
                .where(mine)
                .order_by(is_open.desc(), Complaint.updated_at.desc(), Complaint.id.desc())
                .offset(page * PAGE_SIZE)
                .limit(PAGE_SIZE)
            ).all()
            return Page(tuple(view_of(c) for c in rows), page, total)

    def latest(self, sender_id: str, statuses: Tuple[str, ...], limit: int = 10) -> List[ComplaintView]:
        """The citizen's complaints in these statuses, the latest changed first."""
        with self.db.session() as session:
            rows = session.scalars(
                select_complaints()
                .where(Complaint.sender_id == sender_id, Complaint.status.in_(statuses))
                .order_by(Complaint.status_changed_at.desc(), Complaint.id.desc())
                .limit(limit)
            ).all()
            return [view_of(c) for c in rows]

    def get(self, number: str) -> Optional[ComplaintView]:
        """Any complaint by its number, for staff."""
        with self.db.session() as session:
            complaint = session.scalar(select_complaints().where(Complaint.number == (canonical_number(number) or "")))
            return view_of(complaint) if complaint else None

    def search(self, query: Query, now: Optional[datetime] = None) -> Page:
        """Complaints matching the staff's filters, the most urgent (earliest due) first."""
        now = now or utcnow()
        conditions = query.conditions(now)
        with self.db.session() as session:
            total = session.scalar(select(func.count()).select_from(Complaint).where(*conditions))
            rows = session.scalars(
                select_complaints()
                .where(*conditions)
                .order_by(Complaint.due_at, Complaint.id)
                .offset(query.page * query.page_size)
                .limit(query.page_size)
            ).all()
            return Page(tuple(view_of(c) for c in rows), query.page, total, query.page_size)

    def newest(self, query: Query, limit: int, now: Optional[datetime] = None) -> List[ComplaintView]:
        """The complaints matching the filters, the latest filed first, at most `limit`."""
        with self.db.session() as session:
            rows = session.scalars(
                select_complaints()
                .where(*query.conditions(now or utcnow()))
                .order_by(Complaint.created_at.desc(), Complaint.id.desc())
                .limit(limit)
            ).all()
            return [view_of(c) for c in rows]

    def counts(self, query: Query, now: Optional[datetime] = None) -> Dict[str, int]:
        """How many complaints match the filters but their status, lateness and escalation, by status; and how many
        of them are "overdue" and "escalated" (the console's tabs)."""
        now = now or utcnow()
        every = replace(query, status=None, statuses=(), overdue=None, escalated=False)
        with self.db.session() as session:
            rows = session.execute(
                select(Complaint.status, func.count()).where(*every.conditions(now)).group_by(Complaint.status)
            )
            counts = {status: count for status, count in rows}
            for name, only in (
                ("overdue", replace(every, overdue=True)),
                ("escalated", replace(every, escalated=True)),
            ):
                counts[name] = session.scalar(select(func.count()).select_from(Complaint).where(*only.conditions(now)))
        return counts

    def export(self, query: Query, now: Optional[datetime] = None) -> Iterator[ComplaintView]:
        """Every complaint matching the filters, oldest first, read in batches."""
        now = now or utcnow()
        last_id = 0
        while True:
            with self.db.session() as session:
                rows = session.scalars(
                    select_complaints()
                    .where(*query.conditions(now), Complaint.id > last_id)
                    .order_by(Complaint.id)
                    .limit(500)
                ).all()
                views = [view_of(c) for c in rows]
            if not views:
                return
            yield from views
            last_id = rows[-1].id

    @staticmethod
    def _next_number(session, now: datetime) -> str:
        """The next number of the filing date; the row lock on the day's counter serialises concurrent filers."""
        day = now.astimezone(LOCAL_TZ).date()
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(insert(DailySequence).values(day=day, last=0).on_conflict_do_nothing(index_elements=["day"]))
        session.execute(update(DailySequence).where(DailySequence.day == day).values(last=DailySequence.last + 1))
        last = session.scalar(select(DailySequence.last).where(DailySequence.day == day))
        return complaint_number(day, last)


def _followed_by(sender_id: str):
    """The condition of a complaint this citizen follows."""
    return (
        select(ComplaintFollower.complaint_id)
        .where(ComplaintFollower.complaint_id == Complaint.id, ComplaintFollower.sender_id == sender_id)
        .exists()
    )


def select_complaints():
    return select(Complaint).options(selectinload(Complaint.events), selectinload(Complaint.attachments))


def view_of(c: Complaint) -> ComplaintView:
    return ComplaintView(
        number=c.number,
        citizen=c.sender_id,
        channel=c.channel,
        language=c.language,
        service_code=c.service_code,
        category=c.category,
        department=c.department,
        tenant_id=c.tenant_id,
        locality_code=c.locality_code,
        locality_name=c.locality_name,
        landmark=c.landmark,
        description=c.description,
        status=c.status,
        created_at=aware(c.created_at),
        updated_at=aware(c.updated_at),
        status_changed_at=aware(c.status_changed_at),
        due_at=aware(c.due_at),
        stage_due_at=aware(c.stage_due_at) if c.stage_due_at else None,
        assigned_to=c.assigned_to,
        rating=c.rating,
        latitude=c.latitude,
        longitude=c.longitude,
        photos=tuple(a.uri for a in c.attachments if a.kind == "photo"),
        history=tuple(
            HistoryEntry(
                aware(e.created_at),
                e.action,
                e.from_status,
                e.to_status,
                e.actor,
                e.role,
                e.comment,
                e.template,
                e.level,
            )
            for e in c.events
        ),
        escalation_level=c.escalation_level or 0,
        escalated_at=aware(c.escalated_at) if c.escalated_at else None,
        followers=len(c.followers),
        merged_into=c.merged_into,
    )
