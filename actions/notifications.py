"""Telling the citizen what happened to a complaint. The notification worker triggers the intent
`complaint_updated` with the update in its entities; this action says it in the conversation's language (a
response template staff chose, too), with what the citizen can do next, and shows the photo staff sent with it.
It needs no database, so an outage there cannot swallow a notification."""

from __future__ import annotations

import logging
from typing import Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import conversation as conv
from actions.replies import NOT_GIVEN
from seva.catalogue import load_catalogue
from seva.escalation import load_ladders
from seva.masking import masked
from seva.responses import load_responses
from seva.workflow import ESCALATE, MERGE, REOPEN_WINDOW

logger = logging.getLogger(__name__)
RESPONSES = {
    "ASSIGN": "utter_update_assigned",
    "REASSIGN": "utter_update_reassigned",
    "RESOLVE": "utter_update_resolved",
    "REJECT": "utter_update_rejected",
    "COMMENT": "utter_update_commented",
    "ESCALATE": "utter_update_escalated",
    "MERGE": "utter_update_merged",
}
# What a citizen following someone else's complaint hears of any change to it.
FOLLOWED = "utter_update_followed"
# An assignment tells staff's words only when they said some.
WITH_COMMENT = {"ASSIGN": "utter_update_assigned_with_comment"}


class ActionNotifyUpdate(Action):
    def name(self) -> Text:
        return "action_notify_update"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        action = conv.entity(tracker, "update_action")
        catalogue = load_catalogue()
        service = catalogue.services.get(conv.entity(tracker, "update_service") or "")
        status = conv.entity(tracker, "update_status")
        if action not in RESPONSES or service is None or status is None:
            logger.warning(
                "An update for %s without its action, service or status: nothing said", masked(tracker.sender_id)
            )
            return []
        language = conv.language(tracker)
        following = conv.entity(tracker, "update_following") == "yes" and action != MERGE
        if action == ESCALATE and not following:
            return self._escalated(dispatcher, tracker, catalogue, service, status, language)
        said = load_responses().citizen_comment(
            conv.entity(tracker, "update_template"), conv.entity(tracker, "update_comment"), language
        )
        # The proof of the fix goes in the same message as the words that explain it: the channel sends them as one.
        dispatcher.utter_message(
            response=FOLLOWED
            if following
            else WITH_COMMENT.get(action, RESPONSES[action])
            if said
            else RESPONSES[action],
            image=conv.entity(tracker, "update_photo"),
            number=conv.entity(tracker, "update_number"),
            service_name=service.name(language),
            status=catalogue.label("statuses", status, language),
            comment=said or NOT_GIVEN,
            days=REOPEN_WINDOW.days,
            expected=conv.entity(tracker, "update_expected") or NOT_GIVEN,
            kept=conv.entity(tracker, "update_kept") or NOT_GIVEN,
        )
        return []

    @staticmethod
    def _escalated(dispatcher, tracker, catalogue, service, status, language) -> List[Dict]:
        number = conv.entity(tracker, "update_level") or ""
        level = load_ladders().level(
            conv.entity(tracker, "update_city") or "", service.category, int(number) if number.isdigit() else 0
        )
        if level is None:
            logger.warning("An escalation for %s without its level or city: nothing said", masked(tracker.sender_id))
            return []
        dispatcher.utter_message(
            response=RESPONSES[ESCALATE],
            number=conv.entity(tracker, "update_number"),
            service_name=service.name(language),
            status=catalogue.label("statuses", status, language),
            who=level.title(language),
            expected=conv.entity(tracker, "update_expected") or NOT_GIVEN,
        )
        return []
