"""What a channel says itself when Seva cannot answer: the database is down, or Rasa gave no reply at all (the action
server is down). In the citizen's language: the one Seva keeps for them, else the script they wrote in."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from seva.bootstrap import Services
from seva.catalogue import DEFAULT_LANGUAGE
from seva.languages import language_of_script

SERVICE_DOWN = "service_down"
NO_ANSWER = "no_answer"


def apology(services: Services, sender: str, text: str, kind: str) -> str:
    try:
        known = services.citizens.language_of(sender)
    except SQLAlchemyError:
        known = None
    language = known.language if known else language_of_script(text) or DEFAULT_LANGUAGE
    return services.catalogue.label("channel", kind, language)
