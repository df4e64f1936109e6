"""After filing, in chat: reopen a resolved or rejected complaint, rate how it was handled, or add a comment or
a photo to an open one. One form serves the three; the kind of follow-up decides what it asks."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions import conversation as conv
from actions.conversation import SKIPPED
from actions.replies import local_date
from actions.services import UsesServices
from seva.bootstrap import Services
from seva.catalogue import load_catalogue
from seva.complaints import ComplaintView
from seva.lifecycle import NotFound, Photo
from seva.limits import MAX_PHOTO_LINK
from seva.masking import masked
from seva.numbering import canonical_number
from seva.storage import utcnow
from seva.text import PHOTO_TEXT
from seva.workflow import COMMENT, DECIDED_STATUSES, OPEN_STATUSES, REOPEN_WINDOW, Actor, Refused, refusal
from seva.workflow import RATE as RATING

logger = logging.getLogger(__name__)

REOPEN, RATE, ADD = "reopen", "rate", "add"


@dataclass(frozen=True)
class Followup:
    """One kind of follow-up: the workflow action it takes, what it asks, and the responses it gives."""

    action: str
    questions: Tuple[str, ...]
    ask_which: str
    nothing: str
    cannot: str
    done: str


FOLLOWUPS = {
    REOPEN: Followup(
        "REOPEN",
        ("reason",),
        "utter_ask_target_complaint_reopen",
        "utter_nothing_to_reopen",
        "utter_cannot_reopen",
        "utter_reopen_done",
    ),
    RATE: Followup(
        RATING,
        ("rating", "feedback"),
        "utter_ask_target_complaint_rate",
        "utter_nothing_to_rate",
        "utter_cannot_rate",
        "utter_rate_done",
    ),
    ADD: Followup(
        COMMENT,
        ("addition",),
        "utter_ask_target_complaint_add",
        "utter_nothing_to_add",
        "utter_cannot_add",
        "utter_add_done",
    ),
}
INTENTS = {"reopen_complaint": REOPEN, "rate_complaint": RATE, "add_to_complaint": ADD}
MIN_REASON = 3
MAX_TEXT = 2000
# Five digits are a year or a number; a rating is a lone 1-5 or a row of stars.
_RATING = re.compile(r"(?<!\d)([1-5])(?!\d)")
_STARS = re.compile(r"[⭐★]")
# Past complaints offered to choose from: the latest few, which is what anyone follows up on.
CHOICES = 10


def refused(kind: str, view: ComplaintView, now: datetime) -> Optional[Refused]:
    """Why the workflow will not let the citizen follow up on this complaint in this way, or None."""
    return refusal(FOLLOWUPS[kind].action, Actor.citizen(view.citizen), view, now)


def refusal_response(kind: str, reason: Optional[Refused]) -> str:
    """The response that says why this complaint cannot take this follow-up."""
    if reason is not None and reason.reason == "reopen_window":
        return "utter_reopen_too_late"
    return FOLLOWUPS[kind].cannot


class ActionStartFollowup(UsesServices, Action):
    """Reads what the citizen wants and which complaint; settles it at once when there is nothing to ask."""

    def name(self) -> Text:
        return "action_start_followup"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        kind = INTENTS.get(conv.intent(tracker) or "")
        events = conv.clear_followup()
        if kind is None:
            return events
        number = conv.entity(tracker, "complaint_id") or canonical_number(conv.text(tracker))
        try:
            target = _choose(self.services, dispatcher, tracker, kind, number)
        except SQLAlchemyError:
            logger.exception("Could not read the complaints of %s", masked(tracker.sender_id))
            dispatcher.utter_message(response="utter_service_down")
            return events
        if target is False:
            return events
        events.append(SlotSet("followup", kind))
        if target:
            events.append(SlotSet("target_complaint", target))
        rating = conv.entity(tracker, "rating")
        if kind == RATE and rating:
            events.append(SlotSet("rating", _rating(str(rating))))
        return events


def _choose(services: Services, dispatcher: CollectingDispatcher, tracker: Tracker, kind: str, number: Optional[str]):
    """The complaint named or the only candidate; None to ask; False when there is nothing to follow up."""
    now = utcnow()
    if number:
        view = services.complaints.find(tracker.sender_id, number)
        if view is None:
            dispatcher.utter_message(response="utter_complaint_not_found", number=number)
            return False
        reason = refused(kind, view, now)
        if reason is not None:
            dispatcher.utter_message(response=refusal_response(kind, reason), **_about(view, tracker))
            return False
        return view.number
    candidates = _candidates(services, tracker, kind, now)
    if not candidates:
        dispatcher.utter_message(response=FOLLOWUPS[kind].nothing, days=REOPEN_WINDOW.days)
        return False
    return candidates[0].number if len(candidates) == 1 else None


def _candidates(services: Services, tracker: Tracker, kind: str, now: datetime) -> List[ComplaintView]:
    statuses = OPEN_STATUSES if kind == ADD else DECIDED_STATUSES
    views = services.complaints.latest(tracker.sender_id, statuses, limit=CHOICES)
    return [view for view in views if refused(kind, view, now) is None]


def _about(view: ComplaintView, tracker: Tracker) -> Dict[str, Any]:
    catalogue = load_catalogue()
    language = conv.language(tracker)
    return {
        "number": view.number,
        "service_name": catalogue.services[view.service_code].name(language),
        "status": catalogue.label("statuses", view.status, language),
        "days": REOPEN_WINDOW.days,
    }


def _rating(text: str) -> Optional[int]:
    stars = len(_STARS.findall(text))
    if 1 <= stars <= 5:
        return stars
    found = _RATING.findall(text)
    return int(found[0]) if len(found) == 1 else None


class ValidateFollowupForm(UsesServices, FormValidationAction):
    def name(self) -> Text:
        return "validate_followup_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        kind = tracker.get_slot("followup")
        if kind not in FOLLOWUPS:
            return []
        return ["target_complaint", *FOLLOWUPS[kind].questions]

    def validate_target_complaint(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        kind = tracker.get_slot("followup")
        typed = str(value or "")
        number = canonical_number(typed)
        try:
            if number is None:
                # A number from the list just shown, or the end of a complaint number.
                candidates = _candidates(self.services, tracker, kind, utcnow())
                number = _pick(typed, [c.number for c in candidates])
            if number is None:
                dispatcher.utter_message(response="utter_which_complaint_not_understood")
                return {"target_complaint": None}
            target = _choose(self.services, dispatcher, tracker, kind, number)
        except SQLAlchemyError:
            logger.exception("Could not read the complaints of %s", masked(tracker.sender_id))
            dispatcher.utter_message(response="utter_service_down")
            return {"followup": None, "target_complaint": None}
        if target is False:
            return {"followup": None, "target_complaint": None}
        return {"target_complaint": target}

    def validate_reason(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        reason = " ".join(str(value or "").split())
        if len(reason) < MIN_REASON:
            dispatcher.utter_message(response="utter_reason_too_short")
            return {"reason": None}
        return {"reason": reason[:MAX_TEXT]}

    def validate_rating(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        rating = _rating(str(value or ""))
        if rating is None:
            dispatcher.utter_message(response="utter_rating_not_understood")
        return {"rating": rating}

    def validate_feedback(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if conv.intent(tracker) in ("skip", "deny"):
            return {"feedback": SKIPPED}
        return {"feedback": " ".join(str(value or "").split())[:MAX_TEXT] or SKIPPED}

    def validate_addition(self, value: Any, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        photo = conv.image_uri(tracker)
        text = " ".join(str(value or "").split())
        if photo and len(photo) > MAX_PHOTO_LINK:
            dispatcher.utter_message(response="utter_photo_link_too_long")
            return {"addition": None}
        if photo:
            return {"addition": text or PHOTO_TEXT, "addition_photo": photo}
        if len(text) < MIN_REASON:
            dispatcher.utter_message(response="utter_addition_too_short")
            return {"addition": None}
        return {"addition": text[:MAX_TEXT]}


def _pick(typed: str, numbers: List[str]) -> Optional[str]:
    typed = typed.strip()
    # "2" is the second of the list; "000031" is how a complaint number ends.
    if typed.isdigit() and len(typed) <= 2 and 1 <= int(typed) <= len(numbers):
        return numbers[int(typed) - 1]
    ends = [n for n in numbers if len(typed) >= 3 and n.endswith(typed.upper())]
    return ends[0] if len(ends) == 1 else None


class ActionAskTargetComplaint(UsesServices, Action):
    """Which complaint: the candidates as buttons, the most recent first."""

    def name(self) -> Text:
        return "action_ask_target_complaint"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        kind = tracker.get_slot("followup")
        try:
            candidates = _candidates(self.services, tracker, kind, utcnow())
        except SQLAlchemyError:
            logger.exception("Could not read the complaints of %s", masked(tracker.sender_id))
            candidates = []
        buttons = [
            {"title": view.number, "payload": f'/inform{{"complaint_id": "{view.number}"}}'} for view in candidates
        ]
        dispatcher.utter_message(response=FOLLOWUPS[kind].ask_which, buttons=buttons)
        return []


class ActionSubmitFollowup(UsesServices, Action):
    def name(self) -> Text:
        return "action_submit_followup"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        kind = tracker.get_slot("followup")
        done = conv.clear_followup()
        number = tracker.get_slot("target_complaint")
        if kind not in FOLLOWUPS or not number:
            return done
        # The last question of each follow-up is the citizen's own words: reason, feedback or addition.
        comment = tracker.get_slot(FOLLOWUPS[kind].questions[-1])
        if comment in (SKIPPED, PHOTO_TEXT):
            comment = None
        photo = tracker.get_slot("addition_photo") if kind == ADD else None
        try:
            view = self.services.lifecycle.act(
                number,
                FOLLOWUPS[kind].action,
                Actor.citizen(tracker.sender_id),
                comment=comment,
                rating=int(tracker.get_slot("rating")) if kind == RATE else None,
                photo=Photo(photo) if photo else None,
            )
        except NotFound:
            dispatcher.utter_message(response="utter_complaint_not_found", number=number)
            return done
        except Refused as reason:
            logger.info("Follow-up %s on %s refused: %s", kind, number, reason.message)
            current = self.services.complaints.find(tracker.sender_id, number)
            if current is None:
                dispatcher.utter_message(response="utter_complaint_not_found", number=number)
            else:
                dispatcher.utter_message(response=refusal_response(kind, reason), **_about(current, tracker))
            return done
        except SQLAlchemyError:
            logger.exception("Could not record the %s of %s", kind, number)
            dispatcher.utter_message(response="utter_followup_failed")
            return done
        values = _about(view, tracker)
        if kind == REOPEN:
            values["due_date"] = local_date(view.due_at)
        if kind == RATE:
            values["stars"] = "⭐" * (view.rating or 0)
        dispatcher.utter_message(response=FOLLOWUPS[kind].done, **values)
        return done
