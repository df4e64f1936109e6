"""The trainers' decisions about the review inbox (seva.review), kept in Seva's database: a message decided once
does not come back, whoever reviews next and wherever they review it (the terminal or the console)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from seva.models import ReviewDecision
from seva.review import key_of
from seva.storage import Database

ACCEPTED, RELABELLED, DISCARDED = "accepted", "relabelled", "discarded"
DECISIONS = (ACCEPTED, RELABELLED, DISCARDED)


class AlreadyDecided(Exception):
    """Another trainer decided the same message first."""


@dataclass(frozen=True)
class Decision:
    cell: str
    text: str
    decision: str
    intent: Optional[str] = None
    complaint_type: Optional[str] = None
    training_cell: Optional[str] = None


class ReviewLog:
    def __init__(self, database: Database):
        self.db = database

    def decided(self) -> List[Tuple[str, str]]:
        """(cell, key) of every message decided."""
        with self.db.session() as session:
            return [(cell, key) for cell, key in session.execute(select(ReviewDecision.cell, ReviewDecision.key))]

    def record(self, decision: Decision, by: str) -> None:
        if decision.decision not in DECISIONS:
            raise ValueError(f"a decision is one of {', '.join(DECISIONS)}")
        try:
            with self.db.session() as session:
                session.add(
                    ReviewDecision(
                        cell=decision.cell,
                        key=key_of(decision.text),
                        text=decision.text,
                        decision=decision.decision,
                        intent=decision.intent,
                        complaint_type=decision.complaint_type,
                        training_cell=decision.training_cell,
                        decided_by=by,
                    )
                )
        except IntegrityError as error:
            raise AlreadyDecided(decision.text) from error
