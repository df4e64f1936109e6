"""Which language to answer in: the citizen's own choice, else the language they write in."""

from __future__ import annotations

import logging
from typing import Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions import conversation as conv
from actions.services import UsesServices
from seva.catalogue import LANGUAGES, load_catalogue
from seva.citizens import Citizens, LanguagePreference
from seva.masking import masked

logger = logging.getLogger(__name__)
# Latin letters are a guess: only a confident guess on a real sentence changes the language.
LATIN_CONFIDENCE = 0.8
LATIN_MIN_WORDS = 3
# Romanized Hindi and Punjabi share most short phrases ("haan ji kar do"): from one to the other in Latin letters
# only on a long message read with near certainty.
LATIN_SWITCH_CONFIDENCE = 0.95
LATIN_SWITCH_MIN_WORDS = 6
INDIC = frozenset(("hi", "pa"))


class ActionUpdateLanguage(UsesServices, Action):
    """Runs after every message: Rasa calls `action_validate_slot_mappings` once the message's slots are set.

    (A custom slot-mapping action would do too, but Rasa drops the messages such an action sends.)
    """

    def name(self) -> Text:
        return "action_validate_slot_mappings"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        events = []
        language = conv.language(tracker)
        chosen = tracker.get_slot("language_chosen")
        if chosen is None:
            # The first message of this conversation: what do we know of this citizen?
            known = _stored(self.services.citizens, tracker.sender_id)
            if known:
                language, chosen = known.language, known.chosen
            events += [SlotSet("language", language), SlotSet("language_chosen", bool(chosen))]
        guess = tracker.latest_message.get("language_guess") or {}
        guessed = guess.get("language")
        if (
            chosen
            or guessed not in LANGUAGES
            or guessed == language
            or not _trusted(guess, conv.text(tracker), language)
        ):
            return events
        events.append(SlotSet("language", guessed))
        _remember(self.services.citizens, tracker.sender_id, guessed, chosen=False)
        if guess.get("script") == "latin":
            # This message is rendered in the language the citizen had so far, which they can read.
            dispatcher.utter_message(
                response="utter_language_guessed",
                language_name=load_catalogue().label("languages", guessed, language),
            )
        return events


class ActionSetLanguage(UsesServices, Action):
    """The citizen picks a language: kept for them from now on, whatever script they write in."""

    def name(self) -> Text:
        return "action_set_language"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        chosen = conv.entity(tracker, "language")
        if chosen not in LANGUAGES:
            dispatcher.utter_message(response="utter_ask_language")
            return []
        _remember(self.services.citizens, tracker.sender_id, chosen, chosen=True)
        return [SlotSet("language", chosen), SlotSet("language_chosen", True)]


def _trusted(guess: Dict, text: str, current: str) -> bool:
    if guess.get("script") != "latin":
        return True
    confidence, words = guess.get("confidence", 0), len(text.split())
    if current in INDIC and guess.get("language") in INDIC:
        return confidence >= LATIN_SWITCH_CONFIDENCE and words >= LATIN_SWITCH_MIN_WORDS
    return confidence >= LATIN_CONFIDENCE and words >= LATIN_MIN_WORDS


def _stored(citizens: Citizens, sender_id: str) -> Optional[LanguagePreference]:
    try:
        return citizens.language_of(sender_id)
    except SQLAlchemyError:
        logger.exception(
            "Could not read the language of %s; answering in the conversation's language", masked(sender_id)
        )
        return None


def _remember(citizens: Citizens, sender_id: str, language: str, chosen: bool) -> None:
    try:
        citizens.remember_language(sender_id, language, chosen)
    except SQLAlchemyError:
        # The conversation goes on in the new language; only its memory for next time is lost.
        logger.exception("Could not store the language of %s", masked(sender_id))
