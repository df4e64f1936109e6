"""The figures of a city's (or an administrator's cities') complaints: what is open and overdue, filed and resolved
per week, how fast and how well complaints are resolved, by category and by locality.

The database counts, grouped, from what each complaint keeps of its history (its first resolution, how often it
was decided and reopened), and takes the medians with window functions: the same SQL on SQLite and PostgreSQL, and
no complaint is read one by one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import Integer, and_, case, cast, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from seva.catalogue import Catalogue
from seva.complaints import overdue_at
from seva.models import Complaint
from seva.numbering import LOCAL_TZ
from seva.storage import Database, utcnow
from seva.workflow import OPEN_STATUSES

WEEKS = 12
SECONDS_A_DAY = 86400.0


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
        where = [Complaint.tenant_id.in_(tuple(cities))]
        if category:
            where.append(Complaint.category == category)
        if locality_code:
            where.append(Complaint.locality_code == locality_code)
        if assigned_to:
            where.append(Complaint.assigned_to == assigned_to)
        first_week = _week_of(now) - timedelta(weeks=WEEKS - 1)
        since = datetime.combine(first_week, datetime.min.time(), LOCAL_TZ).astimezone(timezone.utc)
        locality = func.coalesce(Complaint.locality_name, Complaint.locality_code, "")
        with self.db.session() as session:
            dialect = session.get_bind().dialect.name
            took = _seconds(Complaint.first_resolved_at, dialect) - _seconds(Complaint.created_at, dialect)

            def grouped(by: ColumnElement) -> Tuple[List[Figures], List[int]]:
                """The figures per value of `by`, and the counts of all of them together."""
                counted = session.execute(select(by, *self._counted(took, now)).where(*where).group_by(by)).all()
                medians = dict(session.execute(_medians(by, took, where)).all())
                together = [sum(int(row[i] or 0) for row in counted) for i in range(1, len(COUNTED) + 1)]
                return [_figures(name, values, medians.get(name)) for name, *values in counted], together

            def per_week(moment) -> Dict[int, int]:
                week = cast((_seconds(moment, dialect) - since.timestamp()) / (7 * SECONDS_A_DAY), Integer)
                query = select(week, func.count()).where(*where, moment >= since).group_by(week)
                return {int(index): count for index, count in session.execute(query)}

            by_category, counts = grouped(Complaint.category)
            by_locality, _ = grouped(locality)
            [(_, median)] = session.execute(_medians(None, took, where)).all() or [("", None)]
            filed, resolved = per_week(Complaint.created_at), per_week(Complaint.first_resolved_at)
        total = _figures("", counts, median)
        return Dashboard(
            total=total,
            weeks=tuple(
                Week(first_week + timedelta(weeks=n), filed.get(n, 0), resolved.get(n, 0)) for n in range(WEEKS)
            ),
            by_category=_largest_first(by_category),
            by_locality=_largest_first(by_locality),
        )

    def _counted(self, took: ColumnElement, now: datetime) -> List[ColumnElement]:
        """The sums of a group, in the order of COUNTED."""
        sla = case(
            {code: service.sla.total_seconds() for code, service in self.catalogue.services.items()},
            value=Complaint.service_code,
            else_=0.0,
        )
        resolved = Complaint.first_resolved_at.is_not(None)
        decided = Complaint.decisions > 0
        return [
            func.count(),
            func.sum(case((Complaint.status.in_(OPEN_STATUSES), 1), else_=0)),
            func.sum(case((overdue_at(now), 1), else_=0)),
            func.sum(case((resolved, 1), else_=0)),
            func.sum(case((and_(resolved, took <= sla), 1), else_=0)),
            func.sum(case((decided, 1), else_=0)),
            func.sum(case((and_(decided, Complaint.reopens > 0), 1), else_=0)),
            func.sum(func.coalesce(Complaint.rating, 0)),
            func.count(Complaint.rating),
        ]


COUNTED = ("filed", "open", "overdue", "resolved", "in_time", "decided", "reopened", "rating_sum", "rated")


def _medians(by: Optional[ColumnElement], took: ColumnElement, where: List[Any]):
    """The median days to resolve per group (all together when None): the middle one (or the mean of the middle
    two) of each group's times."""
    ranked = (
        select(
            (by if by is not None else literal("")).label("name"),
            took.label("took"),
            func.row_number().over(partition_by=by, order_by=took).label("place"),
            func.count().over(partition_by=by).label("of"),
        )
        .where(*where, Complaint.first_resolved_at.is_not(None))
        .subquery()
    )
    middle = and_(ranked.c.place >= ranked.c.of / 2.0, ranked.c.place <= ranked.c.of / 2.0 + 1)
    return select(ranked.c.name, func.avg(ranked.c.took) / SECONDS_A_DAY).where(middle).group_by(ranked.c.name)


def _seconds(moment, dialect: str) -> ColumnElement:
    """Seconds since 1970 of a stored time."""
    if dialect == "postgresql":
        return func.extract("epoch", moment)
    # SQLite keeps times as text that julianday reads, in days (2440587.5 is 1970-01-01).
    return (func.julianday(moment) - 2440587.5) * SECONDS_A_DAY


def _figures(name: str, values: Sequence[Any], median: Optional[float]) -> Figures:
    counts = dict(zip(COUNTED, (int(v or 0) for v in values)))
    resolved, decided, rated = counts["resolved"], counts["decided"], counts["rated"]
    return Figures(
        name=name,
        filed=counts["filed"],
        open=counts["open"],
        overdue=counts["overdue"],
        resolved=resolved,
        median_days_to_resolve=float(median) if median is not None else None,
        within_sla=counts["in_time"] / resolved if resolved else None,
        reopen_rate=counts["reopened"] / decided if decided else None,
        average_rating=counts["rating_sum"] / rated if rated else None,
    )


def _week_of(moment: datetime) -> date:
    day = moment.astimezone(LOCAL_TZ).date()
    return day - timedelta(days=day.weekday())


def _largest_first(figures: List[Figures]) -> Tuple[Figures, ...]:
    return tuple(sorted(figures, key=lambda f: (-f.filed, f.name)))
