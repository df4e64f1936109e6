"""The language each citizen is answered in, kept across conversations."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy.exc import IntegrityError

from actions.db import Citizen, Database, utcnow


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
            return LanguagePreference(citizen.language, citizen.language_chosen) if citizen else None

    def remember_language(self, sender_id: str, language: str, chosen: bool) -> None:
        """A choice the citizen made is kept; a guess is kept only until they make one."""
        try:
            self._remember(sender_id, language, chosen)
        except IntegrityError:
            # Two first messages of a new citizen at once: the other one created the row.
            self._remember(sender_id, language, chosen)

    def _remember(self, sender_id: str, language: str, chosen: bool) -> None:
        with self.db.session() as session:
            citizen = session.get(Citizen, sender_id)
            if citizen is None:
                session.add(Citizen(sender_id=sender_id, language=language, language_chosen=chosen))
            elif chosen or not citizen.language_chosen:
                citizen.language = language
                citizen.language_chosen = chosen
                citizen.updated_at = utcnow()
