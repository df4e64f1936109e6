"""What Seva keeps of each citizen across conversations: the language to answer in, when they last wrote on
WhatsApp (which opens WhatsApp's 24-hour window for free-form messages), the privacy notice they agreed to, and
whether they want the updates Seva would start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, List, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from seva.models import Citizen, CitizenChoice
from seva.storage import Database, aware, utcnow

# WhatsApp lets a business write freely for 24 hours after the citizen's last message; keep a margin.
FREE_WINDOW = timedelta(hours=23, minutes=50)


# The version of the privacy notice (utter_privacy_notice in domain.yml): a new one is agreed to again.
NOTICE_VERSION = "2026-12-02"
CONSENT, STOP, START = "consent", "stop", "start"


@dataclass(frozen=True)
class Choice:
    choice: str
    at: datetime
    notice_version: Optional[str]


@dataclass(frozen=True)
class LanguagePreference:
    language: str
    chosen: bool


class Citizens:
    def __init__(self, database: Database):
        self.db = database

    def language_of(self, sender_id: str) -> Optional[LanguagePreference]:
        with self.db.session() as session:
            citizen = session.get(Citizen, sender_id)
            if citizen is None or citizen.language is None:
                return None
            return LanguagePreference(citizen.language, citizen.language_chosen)

    def remember_language(self, sender_id: str, language: str, chosen: bool) -> None:
        """A choice the citizen made is kept; a guess is kept only until they make one."""

        def remember(citizen: Citizen) -> None:
            if chosen or not citizen.language_chosen or citizen.language is None:
                citizen.language = language
                citizen.language_chosen = chosen

        self._update(sender_id, remember)

    def wrote_on_whatsapp(self, sender_id: str, at: Optional[datetime] = None) -> None:
        moment = at or utcnow()

        def note(citizen: Citizen) -> None:
            citizen.last_whatsapp_at = moment

        self._update(sender_id, note)

    def last_whatsapp_at(self, sender_id: str) -> Optional[datetime]:
        with self.db.session() as session:
            citizen = session.get(Citizen, sender_id)
            return aware(citizen.last_whatsapp_at) if citizen and citizen.last_whatsapp_at else None

    def has_consented(self, sender_id: str, version: str = NOTICE_VERSION) -> bool:
        with self.db.session() as session:
            citizen = session.get(Citizen, sender_id)
            return citizen is not None and citizen.consented_at is not None and citizen.notice_version == version

    def consent(self, sender_id: str, version: str = NOTICE_VERSION, at: Optional[datetime] = None) -> None:
        """The citizen agreed to this version of the notice: recorded with its time."""
        moment = at or utcnow()

        def agree(citizen: Citizen) -> Optional[CitizenChoice]:
            citizen.notice_version, citizen.consented_at = version, moment
            return CitizenChoice(sender_id=sender_id, choice=CONSENT, notice_version=version, at=moment)

        self._update(sender_id, agree)

    def stop_updates(self, sender_id: str) -> bool:
        """No more updates Seva would start; False if they were stopped already."""
        return self._switch(sender_id, stopped=True)

    def start_updates(self, sender_id: str) -> bool:
        """Updates again; False if they were not stopped."""
        return self._switch(sender_id, stopped=False)

    def updates_stopped(self, sender_id: str) -> bool:
        with self.db.session() as session:
            citizen = session.get(Citizen, sender_id)
            return citizen is not None and citizen.updates_stopped_at is not None

    def choices(self, sender_id: str) -> List[Choice]:
        """The citizen's decisions, oldest first: what staff see of their consent and their updates."""
        with self.db.session() as session:
            rows = session.scalars(
                select(CitizenChoice).where(CitizenChoice.sender_id == sender_id).order_by(CitizenChoice.id)
            )
            return [Choice(r.choice, aware(r.at), r.notice_version) for r in rows]

    def _switch(self, sender_id: str, stopped: bool) -> bool:
        changed = []

        def switch(citizen: Citizen) -> Optional[CitizenChoice]:
            if (citizen.updates_stopped_at is not None) == stopped:
                return None
            moment = utcnow()
            citizen.updates_stopped_at = moment if stopped else None
            changed.append(True)
            return CitizenChoice(sender_id=sender_id, choice=STOP if stopped else START, at=moment)

        self._update(sender_id, switch)
        return bool(changed)

    def _update(self, sender_id: str, change: Callable[[Citizen], Optional[CitizenChoice]]) -> None:
        """Applies the change to the citizen's row (made if new); a decision it returns is recorded with it."""
        try:
            self._change(sender_id, change)
        except IntegrityError:
            # Two first messages of a new citizen at once: the other one created the row.
            self._change(sender_id, change)

    def _change(self, sender_id: str, change: Callable[[Citizen], Optional[CitizenChoice]]) -> None:
        with self.db.session() as session:
            citizen = _citizen(session, sender_id)
            record = change(citizen)
            citizen.updated_at = utcnow()
            if record is not None:
                session.add(record)


def _citizen(session: Session, sender_id: str) -> Citizen:
    citizen = session.get(Citizen, sender_id)
    if citizen is None:
        citizen = Citizen(sender_id=sender_id, language_chosen=False)
        session.add(citizen)
    return citizen
