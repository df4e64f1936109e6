"""Rasa's side of filing and tracking: read the slots, call the domain, choose a response."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from datetime import timedelta
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions import conversation as conv
from actions import replies
from actions.conversation import SKIPPED
from actions.privacy import stop_updates
from actions.services import UsesServices
from seva.answers import is_stop_word
from seva.area import load_served_area
from seva.bootstrap import Services
from seva.catalogue import load_catalogue
from seva.complaints import PAGE_SIZE, Draft
from seva.masking import masked
from seva.numbering import canonical_number
from seva.other_services import load_other_services

logger = logging.getLogger(__name__)
# Intents Seva's own worker sends through trigger_intent: not messages of the citizen.
TRIGGERED = frozenset(("complaint_updated", "filing_reminder"))


class ActionStartComplaint(Action):
    """Opens a new complaint draft, keeping what the opening message already said."""

    def name(self) -> Text:
        return "action_start_complaint"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        events = [SlotSet("draft_id", uuid.uuid4().hex), SlotSet("second_problem", None)]
        text = conv.text(tracker)
        if conv.entity(tracker, "complaint_type") and len(text.split()) >= conv.DESCRIPTIVE_WORDS:
            events.append(SlotSet("description", text.strip()))
        # Another problem told in the same message is offered once this one is filed (ActionSubmitComplaint).
        also = conv.also_problem(tracker)
        events.append(SlotSet("also_problem", {"service": also, "description": text.strip()} if also else None))
        # A photo or a pin that opened the complaint is its optional step, taken already: neither is asked for.
        photo, pin = conv.image_uri(tracker), conv.pin(tracker)
        located = load_served_area().location(pin["latitude"], pin["longitude"]) if pin else None
        if photo:
            events += [SlotSet("photo", photo), SlotSet("location", SKIPPED)]
        elif located:
            events += [SlotSet("location", located), SlotSet("photo", SKIPPED)]
        return events


class ActionSubmitComplaint(UsesServices, Action):
    def name(self) -> Text:
        return "action_submit_complaint"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        language = conv.language(tracker)
        draft = _draft(tracker)
        # Asked once: any answer to "Is it this one?" that comes here files it.
        if not tracker.get_slot("duplicate_of"):
            try:
                similar = self.services.complaints.similar(tracker.sender_id, draft, self.services.duplicates)
            except SQLAlchemyError:
                logger.exception("Could not look for complaints like that of %s", masked(tracker.sender_id))
                similar = None
            if similar is not None:
                dispatcher.utter_message(response="utter_ask_duplicate", **replies.duplicate(similar, language))
                return [SlotSet("duplicate_of", similar.number)]
        try:
            view, _ = self.services.complaints.file(
                sender_id=tracker.sender_id,
                channel=tracker.get_latest_input_channel() or "unknown",
                language=language,
                draft=draft,
                submission_key=_submission_key(tracker, draft),
            )
        except SQLAlchemyError:
            logger.exception("Could not file the complaint of %s", masked(tracker.sender_id))
            dispatcher.utter_message(response="utter_submit_failed")
            return [SlotSet("submission_pending", True)]
        dispatcher.utter_message(response="utter_complaint_filed", **replies.filed(view, language))
        _filing_ended(self.services, tracker)
        return conv.clear_form() + _offer_second(self.services, dispatcher, tracker)


class ActionFollowComplaint(UsesServices, Action):
    """ "Follow it": the citizen follows the complaint already reported instead of filing theirs."""

    def name(self) -> Text:
        return "action_follow_complaint"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        number = tracker.get_slot("duplicate_of")
        if not number:
            dispatcher.utter_message(response="utter_menu")
            return []
        try:
            view = self.services.complaints.follow(
                number, tracker.sender_id, tracker.get_latest_input_channel() or "unknown"
            )
        except SQLAlchemyError:
            logger.exception("Could not make %s follow %s", masked(tracker.sender_id), number)
            dispatcher.utter_message(response="utter_service_down")
            return []
        if view is None:
            # Closed meanwhile: theirs is filed after all.
            return [SlotSet("duplicate_of", None), FollowupAction("action_submit_complaint")]
        dispatcher.utter_message(response="utter_following", number=view.number, **replies.expected(view))
        _filing_ended(self.services, tracker)
        return conv.clear_form() + _offer_second(self.services, dispatcher, tracker)


class ActionStartSecondComplaint(Action):
    """ "Yes, file it": the second problem of the first message, at the same place, with the same words."""

    def name(self) -> Text:
        return "action_start_second_complaint"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        second = tracker.get_slot("also_problem") or {}
        service = load_catalogue().services.get(second.get("service") or "")
        events = conv.clear_form() + [SlotSet("draft_id", uuid.uuid4().hex)]
        if service is None:
            return events
        events += [SlotSet("complaint_type", service.code), SlotSet("complaint_category", service.category)]
        return events + [SlotSet(slot, second[slot]) for slot in _SECOND_KEEPS if second.get(slot)]


class ActionDropSecondComplaint(Action):
    def name(self) -> Text:
        return "action_drop_second_complaint"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        dispatcher.utter_message(response="utter_second_complaint_dropped")
        return [SlotSet("also_problem", None), SlotSet("second_problem", None)]


class ActionRemindFiling(UsesServices, Action):
    """The notification worker's one reminder to a citizen silent in the middle of filing (seva.reminders)."""

    def name(self) -> Text:
        return "action_remind_filing"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        # Filed or dropped meanwhile, or the citizen wrote again since the worker looked: nothing to remind of.
        if tracker.active_loop_name != "complaint_form" or not _quiet_for(tracker, self.services.reminders.after):
            return []
        code = tracker.get_slot("complaint_type")
        service = self.services.catalogue.services.get(code) if code else None
        if service is None:
            dispatcher.utter_message(response="utter_filing_reminder_untyped")
        else:
            dispatcher.utter_message(
                response="utter_filing_reminder", service_name=service.name(conv.language(tracker))
            )
        return []


class ActionOtherService(Action):
    """Another government service than the town's: the citizen is told where to go, and no complaint is begun."""

    def name(self) -> Text:
        return "action_other_service"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        kind = load_other_services().kind_of(conv.text(tracker)) or "other"
        dispatcher.utter_message(response=f"utter_where_to_go_{kind}")
        return []


class ActionCancelComplaint(UsesServices, Action):
    def name(self) -> Text:
        return "action_cancel_complaint"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        if tracker.active_loop_name == "followup_form":
            dispatcher.utter_message(response="utter_followup_cancelled")
            return [ActiveLoop(None)] + conv.clear_followup()
        filing = (
            tracker.active_loop_name == "complaint_form"
            or tracker.get_slot("submission_pending")
            or tracker.get_slot("duplicate_of")
        )
        if not filing and is_stop_word(conv.text(tracker)):
            # WhatsApp's opt-out word, with nothing being filed: the updates stop.
            return stop_updates(self.services, dispatcher, tracker)
        dispatcher.utter_message(response="utter_complaint_cancelled" if filing else "utter_nothing_to_cancel")
        _filing_ended(self.services, tracker)
        return [ActiveLoop(None)] + conv.clear_form()


class ActionResetToMenu(UsesServices, Action):
    """The reset word ("mseva", "menu"): whatever was going on is dropped."""

    def name(self) -> Text:
        return "action_reset_to_menu"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        _filing_ended(self.services, tracker)
        return [ActiveLoop(None), SlotSet("complaints_page", None)] + conv.clear_form() + conv.clear_followup()


class ActionTrackComplaint(UsesServices, Action):
    def name(self) -> Text:
        return "action_track_complaint"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        number = conv.entity(tracker, "complaint_id") or canonical_number(conv.text(tracker))
        if number:
            return _show_one(self.services, dispatcher, tracker, number)
        return _show_page(self.services, dispatcher, tracker, 0)


class ActionMoreComplaints(UsesServices, Action):
    def name(self) -> Text:
        return "action_more_complaints"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        page = tracker.get_slot("complaints_page")
        return _show_page(self.services, dispatcher, tracker, 0 if page is None else int(page) + 1)


def _show_one(services: Services, dispatcher: CollectingDispatcher, tracker: Tracker, number: str) -> List[Dict]:
    language = conv.language(tracker)
    try:
        view = services.complaints.find(tracker.sender_id, number)
    except SQLAlchemyError:
        logger.exception("Could not look up %s", number)
        dispatcher.utter_message(response="utter_service_down")
        return []
    if view is None:
        dispatcher.utter_message(response="utter_complaint_not_found", number=number)
    else:
        dispatcher.utter_message(response="utter_complaint_status", **replies.status(view, language))
    return []


def _show_page(services: Services, dispatcher: CollectingDispatcher, tracker: Tracker, page_number: int) -> List[Dict]:
    language = conv.language(tracker)
    try:
        page = services.complaints.list_for(tracker.sender_id, page_number)
    except SQLAlchemyError:
        logger.exception("Could not list the complaints of %s", masked(tracker.sender_id))
        dispatcher.utter_message(response="utter_service_down")
        return []
    if page.total == 0:
        dispatcher.utter_message(response="utter_no_complaints")
        return [SlotSet("complaints_page", None)]
    if not page.items:
        dispatcher.utter_message(response="utter_no_more_complaints")
        return [SlotSet("complaints_page", None)]
    dispatcher.utter_message(response="utter_my_complaints", **replies.listing(page, language, PAGE_SIZE))
    if page.has_more:
        dispatcher.utter_message(response="utter_more_complaints")
    return [SlotSet("complaints_page", float(page_number))]


# What the second complaint keeps of the first: the citizen's words and the place (a photo is of the first problem).
_SECOND_KEEPS = ("description", "city", "locality", "locality_code", "landmark")


def _offer_second(services: Services, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict]:
    """Offers the second problem the opening message told of, unless it is of the category just filed."""
    second = tracker.get_slot("also_problem") or {}
    also = services.catalogue.services.get(second.get("service") or "")
    filed = services.catalogue.services.get(tracker.get_slot("complaint_type") or "")
    if also is None or filed is None or also.category == filed.category:
        return []
    dispatcher.utter_message(response="utter_offer_second_complaint", service_name=also.name(conv.language(tracker)))
    kept = {slot: tracker.get_slot(slot) for slot in _SECOND_KEEPS if slot != "description"}
    return [SlotSet("also_problem", {**second, **kept}), SlotSet("second_problem", also.code)]


def _filing_ended(services: Services, tracker: Tracker) -> None:
    """No reminder for a filing that is over; should the database fail, the reminder finds no form and stays quiet."""
    try:
        services.reminders.end(tracker.sender_id)
    except SQLAlchemyError:
        logger.exception("Could not note the end of the filing of %s", masked(tracker.sender_id))


def _quiet_for(tracker: Tracker, quiet: timedelta) -> bool:
    """Whether the citizen's last own message is at least this old (triggered intents are not theirs)."""
    for event in reversed(tracker.events):
        if event.get("event") != "user" or (event.get("parse_data") or {}).get("intent", {}).get("name") in TRIGGERED:
            continue
        return time.time() - float(event.get("timestamp") or 0) >= quiet.total_seconds()
    return True


def _draft(tracker: Tracker) -> Draft:
    photo = tracker.get_slot("photo")
    latitude = longitude = None
    location = tracker.get_slot("location")
    if location and location != SKIPPED:
        latitude, longitude = (float(v) for v in location.split(","))
    return Draft(
        service_code=tracker.get_slot("complaint_type"),
        tenant_id=tracker.get_slot("city"),
        description=tracker.get_slot("description"),
        locality_code=tracker.get_slot("locality_code"),
        locality_name=tracker.get_slot("locality"),
        landmark=tracker.get_slot("landmark"),
        latitude=latitude,
        longitude=longitude,
        photos=[photo] if photo and photo != SKIPPED else [],
    )


def _submission_key(tracker: Tracker, draft: Draft) -> str:
    """The same filled-in form gives the same key, so it is filed once however often it is submitted."""
    draft_id = tracker.get_slot("draft_id")
    if not draft_id:
        content: Dict[str, Any] = vars(draft)
        draft_id = hashlib.sha256(repr(sorted(content.items())).encode()).hexdigest()[:32]
    return f"{tracker.sender_id}:{draft_id}"
