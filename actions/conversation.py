"""Small readers of the Rasa tracker shared by the actions and the form."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from seva.catalogue import DEFAULT_LANGUAGE, LANGUAGES

# A message this long that names the problem is its description too, so the details are not asked for.
DESCRIPTIVE_WORDS = 4

# The value of an optional answer (photo, location) the citizen chose not to give.
SKIPPED = "skipped"

# The slots of one complaint being filed; cleared together when it is filed, cancelled or abandoned.
FORM_SLOTS = (
    "consent",
    "complaint_category",
    "complaint_type",
    "city",
    "locality",
    "locality_code",
    "landmark",
    "description",
    "photo",
    "location",
    "confirmed",
    "place_typed",
    "draft_id",
    "submission_pending",
    "duplicate_of",
    "also_problem",
    "second_problem",
)


# What Seva says beside the conversation, with a button of its own, before the open question.
ASIDES = frozenset(("utter_language_guessed",))

# The slots of a follow-up on a filed complaint (reopen, rate, add to it).
FOLLOWUP_SLOTS = ("followup", "target_complaint", "reason", "rating", "feedback", "addition", "addition_photo")


def language(tracker: Tracker) -> str:
    value = tracker.get_slot("language")
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def metadata(tracker: Tracker) -> Dict[str, Any]:
    return tracker.latest_message.get("metadata") or {}


def image_uri(tracker: Tracker) -> Optional[str]:
    """The link or stored path of the photo the latest message carries, if it carries one in the documented form."""
    image = metadata(tracker).get("image")
    uri = image.get("uri") if isinstance(image, dict) else None
    return uri if isinstance(uri, str) and uri else None


def pin(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The location pin the latest message carries, if it carries one in the documented form."""
    location = metadata(tracker).get("location")
    if isinstance(location, dict) and "latitude" in location and "longitude" in location:
        return location
    return None


def entity(tracker: Tracker, name: str) -> Optional[str]:
    """The last value of an entity in the latest message."""
    values = [e.get("value") for e in tracker.latest_message.get("entities") or [] if e.get("entity") == name]
    return values[-1] if values else None


def value_before_last_message(tracker: Tracker, slot: str) -> Any:
    """What a slot held before the latest user message set it."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


def also_problem(tracker: Tracker) -> Optional[str]:
    """The service of a second problem the latest message told of, beside the one it is about."""
    value = tracker.latest_message.get("complaint_type_also")
    return value if isinstance(value, str) else None


def ran_since_last_message(tracker: Tracker, action: str) -> bool:
    """Whether the action ran after the citizen's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") == action:
            return True
    return False


def choices_offered(tracker: Tracker) -> bool:
    """Whether a question with buttons was already put since the citizen last wrote (no need to ask twice). The
    language banner's button is an aside, not an answer to the open question."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        said = (event.get("metadata") or {}).get("utter_action")
        if event.get("event") == "bot" and (event.get("data") or {}).get("buttons") and said not in ASIDES:
            return True
    return False


def clear_form() -> List[Dict[str, Any]]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS] + [SlotSet("requested_slot", None)]


def clear_followup() -> List[Dict[str, Any]]:
    return [SlotSet(slot, None) for slot in FOLLOWUP_SLOTS] + [SlotSet("requested_slot", None)]
