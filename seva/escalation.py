"""Escalation: an overdue complaint goes up a ladder of officers, kept as data per city and category
(catalogue/escalation.json). The first level comes when the complaint is overdue; each next one when the level
before has had its days and it is still overdue. Each step is an ESCALATE entry of the history with its level, and
a notification telling the citizen who has it now and by when to expect it.

The notification worker runs it. Several workers may: each complaint is locked while it is looked at and its level
is read under the lock, so that no level is reached twice."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Dict, Mapping, Optional, Protocol, Sequence, Tuple

from sqlalchemy import or_, select

from seva.catalogue import CATALOGUE_DIR, LANGUAGES, Catalogue
from seva.complaints import overdue_at
from seva.models import Complaint, Notification
from seva.numbering import LOCAL_TZ
from seva.storage import Database, aware, utcnow
from seva.workflow import ESCALATE, OPEN_STATUSES, PENDINGATLME, Actor, decide, effects

LADDERS_FILE = CATALOGUE_DIR / "escalation.json"


class Expecting(Protocol):
    """What the expected date of a complaint is reckoned from (a stored complaint has it, as does its view)."""

    @property
    def status(self) -> str: ...

    @property
    def tenant_id(self) -> str: ...

    @property
    def category(self) -> str: ...

    @property
    def due_at(self) -> datetime: ...

    @property
    def stage_due_at(self) -> Optional[datetime]: ...

    @property
    def escalation_level(self) -> int: ...

    @property
    def escalated_at(self) -> Optional[datetime]: ...


@dataclass(frozen=True)
class Level:
    number: int
    role: str
    days: int
    titles: Mapping[str, str]

    def title(self, language: str) -> str:
        return self.titles.get(language) or self.titles["en"]


@dataclass(frozen=True)
class Step:
    """A complaint's next escalation: to `level`, to be acted on by `expected`."""

    level: Level
    expected: datetime


class Ladders:
    def __init__(
        self,
        default: Tuple[Level, ...],
        by_city: Mapping[str, Mapping[str, Tuple[Level, ...]]],
        notices: Mapping[str, str],
    ):
        self.default = default
        self.by_city = by_city
        self.notices = notices

    def notice(self, level: Level, expected: datetime, language: str) -> str:
        """What the citizen is told of an escalation in a sentence (a WhatsApp template's parameter)."""
        text = self.notices.get(language) or self.notices["en"]
        return text.format(who=level.title(language), date=day_of(expected))

    @classmethod
    def load(cls, path=LADDERS_FILE) -> Ladders:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        return cls(
            _ladder(data["default"]),
            {
                city: {category: _ladder(levels) for category, levels in categories.items()}
                for city, categories in data.get("cities", {}).items()
            },
            data["notice"],
        )

    def of(self, tenant_id: str, category: str) -> Tuple[Level, ...]:
        return self.by_city.get(tenant_id, {}).get(category, self.default)

    def level(self, tenant_id: str, category: str, number: int) -> Optional[Level]:
        ladder = self.of(tenant_id, category)
        return ladder[number - 1] if 1 <= number <= len(ladder) else None

    def next_step(
        self, tenant_id: str, category: str, level: int, escalated_at: Optional[datetime], now: datetime
    ) -> Optional[Step]:
        """The step an overdue complaint at `level` takes now, or None while its level still has time (or it is at
        the top)."""
        ladder = self.of(tenant_id, category)
        if level >= len(ladder):
            return None
        if level > 0 and (escalated_at is None or now < escalated_at + timedelta(days=ladder[level - 1].days)):
            return None
        reached = ladder[level]
        return Step(reached, now + timedelta(days=reached.days))

    def expected_by(self, complaint: Expecting) -> Optional[datetime]:
        """When the citizen may expect action on an open complaint: its escalation level's day once escalated, the
        field employee's deadline while it waits at them, else its due date; None once it is decided."""
        if complaint.status not in OPEN_STATUSES:
            return None
        level = self.level(complaint.tenant_id, complaint.category, complaint.escalation_level or 0)
        if level is not None and complaint.escalated_at is not None:
            return aware(complaint.escalated_at) + timedelta(days=level.days)
        if complaint.status == PENDINGATLME and complaint.stage_due_at is not None:
            return aware(complaint.stage_due_at)
        return aware(complaint.due_at)

    @property
    def shortest(self) -> timedelta:
        days = [level.days for ladder in self._all() for level in ladder]
        return timedelta(days=min(days))

    def _all(self):
        yield self.default
        for categories in self.by_city.values():
            yield from categories.values()


def day_of(moment: datetime) -> str:
    """A date as digits, which read the same in all three languages: 05-12-2026 (India time)."""
    return moment.astimezone(LOCAL_TZ).strftime("%d-%m-%Y")


def _ladder(levels) -> Tuple[Level, ...]:
    ladder = []
    for number, level in enumerate(levels, start=1):
        missing = [language for language in LANGUAGES if not level["title"].get(language)]
        if missing:
            raise ValueError(f"escalation level {number} has no title in {', '.join(missing)}")
        ladder.append(Level(number, level["role"], int(level["days"]), dict(level["title"])))
    return tuple(ladder)


@lru_cache(maxsize=1)
def load_ladders() -> Ladders:
    return Ladders.load()


class Escalation:
    def __init__(self, database: Database, catalogue: Catalogue, ladders: Optional[Ladders] = None):
        self.db = database
        self.catalogue = catalogue
        self.ladders = ladders or load_ladders()

    def run_once(self, now: Optional[datetime] = None, limit: int = 100, cities: Optional[Sequence[str]] = None) -> int:
        """Escalates the overdue complaints (of these cities, or all) whose next level is due; how many it
        escalated."""
        now = now or utcnow()
        system = Actor.system()
        # Only complaints that may be due a step are read: overdue, and not escalated more recently than any
        # level's days.
        due = or_(Complaint.escalation_level == 0, Complaint.escalated_at <= now - self.ladders.shortest)
        escalated = 0
        with self.db.session() as session:
            query = select(Complaint).where(overdue_at(now), due).order_by(Complaint.due_at).limit(limit)
            if cities is not None:
                query = query.where(Complaint.tenant_id.in_(tuple(cities)))
            if session.get_bind().dialect.name == "postgresql":
                # Another worker's complaints are skipped, not waited for; under the lock the level is current.
                query = query.with_for_update(skip_locked=True)
            for complaint in session.scalars(query):
                escalated_at = aware(complaint.escalated_at) if complaint.escalated_at else None
                step = self.ladders.next_step(
                    complaint.tenant_id, complaint.category, complaint.escalation_level, escalated_at, now
                )
                if step is None:
                    continue
                decide(ESCALATE, system, complaint, now)
                changes: Dict[str, object] = effects(ESCALATE, None, now, timedelta(0))
                changes.update(escalation_level=step.level.number, escalated_at=now)
                event = complaint.record(ESCALATE, complaint.status, system, None, changes, level=step.level.number)
                session.flush()
                session.add_all(Notification.for_all(event, complaint, now))
                escalated += 1
        return escalated
