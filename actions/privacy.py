"""The citizen's say over their data, and a person when they ask: the privacy notice, updates stopped and started,
"delete my data", and the hand-over to an operator. The domain keeps the decisions (seva.citizens, seva.erasure,
seva.handovers); these actions read the conversation and choose what to say."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions import conversation as conv
from actions.services import UsesServices
from seva.citizens import NOTICE_VERSION
from seva.handovers import CITIZEN, SEVA, TIMED_OUT
from seva.masking import masked

logger = logging.getLogger(__name__)
# The channel an operator's replies reach the citizen on.
HANDOVER_CHANNELS = frozenset(("whatsapp",))


def notice_needed(services: Any, tracker: Tracker) -> bool:
    """Whether this citizen is still to agree to the notice before anything is filed for them."""
    if (tracker.get_latest_input_channel() or "") not in services.settings.notice_channels:
        return False
    return not services.citizens.has_consented(tracker.sender_id)


def say_notice(services: Any, dispatcher: CollectingDispatcher, response: str) -> None:
    dispatcher.utter_message(response=response, days=services.settings.conversation_days, version=NOTICE_VERSION)


class ActionAskConsent(UsesServices, Action):
    """The complaint form's first question for a citizen who has not agreed to the notice: the notice, and two
    buttons (I agree; No, cancel)."""

    def name(self) -> Text:
        return "action_ask_consent"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        say_notice(self.services, dispatcher, "utter_ask_consent")
        return []


class ActionShowPrivacy(UsesServices, Action):
    """ "privacy": the notice again, whenever asked."""

    def name(self) -> Text:
        return "action_show_privacy"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        say_notice(self.services, dispatcher, "utter_privacy_notice")
        return []


class ActionStopUpdates(UsesServices, Action):
    def name(self) -> Text:
        return "action_stop_updates"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        return stop_updates(self.services, dispatcher, tracker)


def stop_updates(services: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict]:
    try:
        changed = services.citizens.stop_updates(tracker.sender_id)
    except SQLAlchemyError:
        logger.exception("Could not stop the updates to %s", masked(tracker.sender_id))
        dispatcher.utter_message(response="utter_service_down")
        return []
    dispatcher.utter_message(response="utter_updates_stopped" if changed else "utter_updates_already_stopped")
    return []


class ActionStartUpdates(UsesServices, Action):
    def name(self) -> Text:
        return "action_start_updates"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        try:
            changed = self.services.citizens.start_updates(tracker.sender_id)
        except SQLAlchemyError:
            logger.exception("Could not start the updates to %s", masked(tracker.sender_id))
            dispatcher.utter_message(response="utter_service_down")
            return []
        dispatcher.utter_message(response="utter_updates_started" if changed else "utter_updates_already_on")
        return []


class ActionDeleteMyData(UsesServices, Action):
    """Carried out once the citizen confirmed: now if none of their complaints is open, else once they close."""

    def name(self) -> Text:
        return "action_delete_my_data"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        try:
            outcome = self.services.erasure.request(
                tracker.sender_id, tracker.get_latest_input_channel() or "unknown", conv.language(tracker)
            )
        except SQLAlchemyError:
            logger.exception("Could not erase the data of %s", masked(tracker.sender_id))
            dispatcher.utter_message(response="utter_service_down")
            return []
        if outcome.done:
            dispatcher.utter_message(response="utter_data_erased")
        else:
            dispatcher.utter_message(response="utter_data_erased_once_closed", numbers=", ".join(outcome.waiting_for))
        return [ActiveLoop(None)] + conv.clear_form() + conv.clear_followup()


class ActionDataErased(Action):
    """Triggered by the worker when a deletion waiting for complaints to close was carried out."""

    def name(self) -> Text:
        return "action_data_erased"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        dispatcher.utter_message(response="utter_data_erased")
        return []


class ActionHandOver(UsesServices, Action):
    """ "Talk to a person": the conversation goes to the operators' queue, with its last lines, and Seva is quiet
    for this citizen until an operator hands it back (or none answers in time)."""

    def name(self) -> Text:
        return "action_hand_over"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        channel = tracker.get_latest_input_channel() or "unknown"
        if channel not in HANDOVER_CHANNELS:
            dispatcher.utter_message(response="utter_handover_whatsapp_only")
            return []
        try:
            self.services.handovers.hand_over(tracker.sender_id, channel, conv.language(tracker), _context(tracker))
        except SQLAlchemyError:
            logger.exception("Could not hand %s over to an operator", masked(tracker.sender_id))
            dispatcher.utter_message(response="utter_service_down")
            return []
        dispatcher.utter_message(
            response="utter_handed_over", minutes=round(self.services.settings.handover_timeout_minutes)
        )
        return [ActiveLoop(None)] + conv.clear_form() + conv.clear_followup()


class ActionHandedBack(Action):
    """Triggered by the worker once an operator handed the conversation back, or none answered in time."""

    def name(self) -> Text:
        return "action_handed_back"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        how = conv.entity(tracker, "handover_how")
        dispatcher.utter_message(response="utter_handover_timed_out" if how == TIMED_OUT else "utter_handed_back")
        return [SlotSet("requested_slot", None)]


def _context(tracker: Tracker) -> List[Tuple[str, str]]:
    """What was said before the hand-over, citizen's and Seva's lines, for the operator."""
    lines: List[Tuple[str, str]] = []
    for event in tracker.events:
        text = event.get("text")
        if not text or text.startswith("/"):
            continue
        if event.get("event") == "user":
            lines.append((CITIZEN, text))
        elif event.get("event") == "bot":
            lines.append((SEVA, text))
    return lines
