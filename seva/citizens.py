"""What Seva keeps of each citizen across conversations: the language to answer in, and when they last wrote on
WhatsApp (which opens WhatsApp's 24-hour window for free-form messages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Optional

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from seva.models import Citizen
from seva.storage import Database, aware, utcnow

# WhatsApp lets a business write freely for 24 hours after the citizen's last message; keep a margin.
FREE_WINDOW = timedelta(hours=23, minutes=50)


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

    def _update(self, sender_id: str, change: Callable[[Citizen], None]) -> None:
        try:
            self._change(sender_id, change)
        except IntegrityError:
            # Two first messages of a new citizen at once: the other one created the row.
            self._change(sender_id, change)

    def _change(self, sender_id: str, change: Callable[[Citizen], None]) -> None:
        with self.db.session() as session:
            citizen = _citizen(session, sender_id)
            change(citizen)
            citizen.updated_at = utcnow()


def _citizen(session: Session, sender_id: str) -> Citizen:
    citizen = session.get(Citizen, sender_id)
    if citizen is None:
        citizen = Citizen(sender_id=sender_id, language_chosen=False)
        session.add(citizen)
    return citizen
