"""The figures of a city's (or an administrator's cities') complaints: what is open and overdue, filed and resolved
per week, how fast and how well complaints are resolved, by category and by locality.

One query reads each complaint with its first resolution and its reopenings; the figures are counted here, the
same way on SQLite and PostgreSQL (which alone has a median)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import case, func, select

from seva.catalogue import Catalogue
from seva.models import Complaint, ComplaintEvent
from seva.numbering import LOCAL_TZ
from seva.storage import Database, aware, utcnow
from seva.workflow import OPEN_STATUSES, PENDINGATLME, REJECT, REOPEN, RESOLVE

WEEKS = 12


@dataclass(frozen=True)
class _Row:
    service_code: str
    category: str
    locality: str
    status: str
    created_at: datetime
    due_at: datetime
    stage_due_at: Optional[datetime]
    rating: Optional[int]
    resolved_at: Optional[datetime]
    decided: bool
    reopened: bool


@dataclass(frozen=True)
class Figures:
    """Figures of a group of complaints; None where there is nothing to reckon from."""

    name: str
    filed: int
    open: int
    overdue: int
    resolved: int
    median_days_to_resolve: Optional[float]
    within_sla: Optional[float]
    reopen_rate: Optional[float]
    average_rating: Optional[float]


@dataclass(frozen=True)
class Week:
    starts: date
    filed: int
    resolved: int


@dataclass(frozen=True)
class Dashboard:
    total: Figures
    weeks: Tuple[Week, ...]
    by_category: Tuple[Figures, ...]
    by_locality: Tuple[Figures, ...]


class Statistics:
    def __init__(self, database: Database, catalogue: Catalogue):
        self.db = database
        self.catalogue = catalogue

    def dashboard(
        self,
        cities: Sequence[str],
        category: Optional[str] = None,
        locality_code: Optional[str] = None,
        now: Optional[datetime] = None,
        assigned_to: Optional[str] = None,
    ) -> Dashboard:
        """The figures of these cities' complaints (of those assigned to `assigned_to`, when given)."""
        now = now or utcnow()
        rows = self._rows(cities, category, locality_code, assigned_to)
        by_category: Dict[str, List[_Row]] = defaultdict(list)
        by_locality: Dict[str, List[_Row]] = defaultdict(list)
        for row in rows:
            by_category[row.category].append(row)
            by_locality[row.locality].append(row)
        return Dashboard(
            total=self._figures("", rows, now),
            weeks=_weeks(rows, now),
            by_category=_largest_first(self._figures(name, group, now) for name, group in by_category.items()),
            by_locality=_largest_first(self._figures(name, group, now) for name, group in by_locality.items()),
        )

    def _rows(
        self, cities: Sequence[str], category: Optional[str], locality_code: Optional[str], assigned_to: Optional[str]
    ) -> List[_Row]:
        events = (
            select(
                ComplaintEvent.complaint_id.label("complaint_id"),
                func.min(case((ComplaintEvent.action == RESOLVE, ComplaintEvent.created_at))).label("resolved_at"),
                func.count(case((ComplaintEvent.action.in_((RESOLVE, REJECT)), 1))).label("decisions"),
                func.count(case((ComplaintEvent.action == REOPEN, 1))).label("reopens"),
            )
            .where(ComplaintEvent.action.in_((RESOLVE, REJECT, REOPEN)))
            .group_by(ComplaintEvent.complaint_id)
            .subquery()
        )
        query = (
            select(
                Complaint.service_code,
                Complaint.category,
                func.coalesce(Complaint.locality_name, Complaint.locality_code, ""),
                Complaint.status,
                Complaint.created_at,
                Complaint.due_at,
                Complaint.stage_due_at,
                Complaint.rating,
                events.c.resolved_at,
                events.c.decisions,
                events.c.reopens,
            )
            .outerjoin(events, events.c.complaint_id == Complaint.id)
            .where(Complaint.tenant_id.in_(tuple(cities)))
        )
        if category:
            query = query.where(Complaint.category == category)
        if locality_code:
            query = query.where(Complaint.locality_code == locality_code)
        if assigned_to:
            query = query.where(Complaint.assigned_to == assigned_to)
        with self.db.session() as session:
            return [
                _Row(
                    service_code=code,
                    category=cat,
                    locality=locality,
                    status=status,
                    created_at=aware(created),
                    due_at=aware(due),
                    stage_due_at=aware(stage_due) if stage_due else None,
                    rating=rating,
                    resolved_at=aware(resolved) if resolved else None,
                    decided=bool(decisions),
                    reopened=bool(reopens),
                )
                for code, cat, locality, status, created, due, stage_due, rating, resolved, decisions, reopens in (
                    session.execute(query)
                )
            ]

    def _figures(self, name: str, rows: Sequence[_Row], now: datetime) -> Figures:
        open_rows = [r for r in rows if r.status in OPEN_STATUSES]
        resolved = [r for r in rows if r.resolved_at is not None]
        decided = [r for r in rows if r.decided]
        rated = [r.rating for r in rows if r.rating is not None]
        days = [(r.resolved_at - r.created_at).total_seconds() / 86400 for r in resolved]  # type: ignore[operator]
        in_time = [r for r in resolved if r.resolved_at <= r.created_at + self._sla(r.service_code)]  # type: ignore
        return Figures(
            name=name,
            filed=len(rows),
            open=len(open_rows),
            overdue=sum(1 for r in open_rows if _late(r, now)),
            resolved=len(resolved),
            median_days_to_resolve=statistics.median(days) if days else None,
            within_sla=len(in_time) / len(resolved) if resolved else None,
            reopen_rate=sum(1 for r in decided if r.reopened) / len(decided) if decided else None,
            average_rating=statistics.fmean(rated) if rated else None,
        )

    def _sla(self, service_code: str) -> timedelta:
        service = self.catalogue.services.get(service_code)
        return service.sla if service else timedelta(0)


def _late(row: _Row, now: datetime) -> bool:
    stage_late = row.status == PENDINGATLME and row.stage_due_at is not None and now > row.stage_due_at
    return now > row.due_at or stage_late


def _week_of(moment: datetime) -> date:
    day = moment.astimezone(LOCAL_TZ).date()
    return day - timedelta(days=day.weekday())


def _weeks(rows: Sequence[_Row], now: datetime) -> Tuple[Week, ...]:
    """The last WEEKS weeks (Monday to Sunday, India time), the current one last."""
    this_week = _week_of(now)
    starts = [this_week - timedelta(weeks=n) for n in reversed(range(WEEKS))]
    filed: Dict[date, int] = defaultdict(int)
    resolved: Dict[date, int] = defaultdict(int)
    for row in rows:
        filed[_week_of(row.created_at)] += 1
        if row.resolved_at is not None:
            resolved[_week_of(row.resolved_at)] += 1
    return tuple(Week(start, filed[start], resolved[start]) for start in starts)


def _largest_first(figures: Iterable[Figures]) -> Tuple[Figures, ...]:
    return tuple(sorted(figures, key=lambda f: (-f.filed, f.name)))
