"""Reopening, rating and adding to a complaint in chat: the actions and the follow-up form as the action server
runs them, on a real SQLite database; and the notification action that tells a citizen of a change."""

from datetime import timedelta

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.followups import (
    ActionAskTargetComplaint,
    ActionStartFollowup,
    ActionSubmitFollowup,
    ValidateFollowupForm,
)
from actions.notifications import ActionNotifyUpdate
from seva.catalogue import load_catalogue
from seva.responses import load_responses
from seva.storage import utcnow
from seva.workflow import GRO, LME, Actor
from tests.helpers import DOWN_DATABASE_URL, a_draft, services_on, tracker

GRO_JAL = Actor(GRO, "gro.jalandhar", "pb.jalandhar")
LME_JAL = Actor(LME, "lme.jalandhar", "pb.jalandhar")


@pytest.fixture
def services(sqlite_services):
    sqlite_services.staff.add("gro.jalandhar", "Harpreet Kaur", GRO, "pb.jalandhar")
    sqlite_services.staff.add("lme.jalandhar", "Gurdeep Singh", LME, "pb.jalandhar")
    return sqlite_services


def file(services, sender="citizen-1", key="1", resolve=False, reject=False, at=None):
    view, _ = services.complaints.file(sender, "rest", "en", a_draft(), f"{sender}:{key}")
    if resolve:
        services.lifecycle.act(view.number, "ASSIGN", GRO_JAL, assignee="lme.jalandhar", now=at)
        services.lifecycle.act(view.number, "RESOLVE", LME_JAL, comment="fixed", now=at)
    if reject:
        services.lifecycle.act(view.number, "REJECT", GRO_JAL, comment="private land", now=at)
    return view.number


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, t, {})
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def validate(slot, value, t, services=None):
    dispatcher = CollectingDispatcher()
    result = getattr(ValidateFollowupForm(services), f"validate_{slot}")(value, dispatcher, t, {})
    return dispatcher.messages, result


def responses(messages):
    return [m["response"] for m in messages]


def test_reopen_names_a_resolved_complaint_and_the_form_asks_only_the_reason(services):
    number = file(services, resolve=True)
    messages, slots = run(
        ActionStartFollowup(services),
        tracker(f"reopen {number}", "reopen_complaint", entities=[{"entity": "complaint_id", "value": number}]),
    )
    assert messages == [] and (slots["followup"], slots["target_complaint"]) == ("reopen", number)


def test_the_only_candidate_is_taken_and_with_several_the_citizen_picks_one(services):
    first = file(services, key="1", resolve=True)
    _, slots = run(ActionStartFollowup(services), tracker("I want to rate my complaint", "rate_complaint"))
    assert (slots["followup"], slots["target_complaint"]) == ("rate", first)

    second = file(services, key="2", reject=True)
    _, slots = run(ActionStartFollowup(services), tracker("I want to rate my complaint", "rate_complaint"))
    assert slots["followup"] == "rate" and slots["target_complaint"] is None
    asked = tracker("", slots={"followup": "rate"})
    [question] = run(ActionAskTargetComplaint(services), asked)[0]
    assert question["response"] == "utter_ask_target_complaint_rate"
    assert [b["title"] for b in question["buttons"]] == [second, first]
    for typed in ("2", first, first[-6:]):
        _, result = validate("target_complaint", typed, tracker(typed, "inform", slots={"followup": "rate"}), services)
        assert result == {"target_complaint": first}


@pytest.mark.parametrize(
    "intent, response",
    [
        ("reopen_complaint", "utter_nothing_to_reopen"),
        ("rate_complaint", "utter_nothing_to_rate"),
        ("add_to_complaint", "utter_nothing_to_add"),
    ],
)
def test_nothing_to_follow_up_is_said_and_no_form_runs(services, intent, response):
    messages, slots = run(ActionStartFollowup(services), tracker("hmm", intent))
    assert responses(messages) == [response] and slots.get("followup") is None


def test_a_complaint_that_cannot_take_the_follow_up_is_explained(services):
    open_one = file(services, key="1")
    closed_long_ago = file(services, key="2", reject=True, at=utcnow() - timedelta(days=11))
    for intent, number, response in [
        ("reopen_complaint", open_one, "utter_cannot_reopen"),
        ("rate_complaint", open_one, "utter_cannot_rate"),
        ("reopen_complaint", closed_long_ago, "utter_reopen_too_late"),
        ("reopen_complaint", "PB-PGR-2026-01-01-999999", "utter_complaint_not_found"),
    ]:
        messages, slots = run(
            ActionStartFollowup(services),
            tracker(number, intent, entities=[{"entity": "complaint_id", "value": number}]),
        )
        assert responses(messages) == [response] and slots.get("followup") is None


@pytest.mark.parametrize(
    "typed, rating",
    [
        ("5", 5),
        ("⭐⭐⭐", 3),
        ("I give it 4 stars", 4),
        ("1 ", 1),
        ("10", None),
        ("excellent", None),
        ("2 or 3", None),
        ("2026", None),
    ],
)
def test_a_rating_is_read_from_a_number_or_stars(typed, rating):
    messages, result = validate("rating", typed, tracker(typed, "inform", slots={"followup": "rate"}))
    assert result == {"rating": rating}
    assert responses(messages) == ([] if rating else ["utter_rating_not_understood"])


def test_rating_closes_the_complaint_with_the_citizens_comment(services):
    number = file(services, resolve=True)
    slots = {"followup": "rate", "target_complaint": number, "rating": 4, "feedback": "quick work, thanks"}
    messages, cleared = run(ActionSubmitFollowup(services), tracker("", slots=slots))
    assert responses(messages) == ["utter_rate_done"] and messages[0]["stars"] == "⭐⭐⭐⭐"
    view = services.complaints.get(number)
    assert (view.status, view.rating, view.history[-1].comment) == ("CLOSEDAFTERRESOLUTION", 4, "quick work, thanks")
    assert all(value is None for value in cleared.values())


def test_a_photo_sent_as_the_addition_is_attached(services):
    number = file(services)
    t = tracker(
        "📷",
        "inform",
        slots={"followup": "add", "target_complaint": number},
        metadata={"image": {"uri": "/media/ab/abc.jpg", "mime_type": "image/jpeg"}},
    )
    _, result = validate("addition", "📷", t)
    assert result == {"addition": "📷", "addition_photo": "/media/ab/abc.jpg"}
    messages, _ = run(
        ActionSubmitFollowup(services), tracker("", slots={"followup": "add", "target_complaint": number, **result})
    )
    assert responses(messages) == ["utter_add_done"]
    view = services.complaints.get(number)
    assert view.photos[-1] == "/media/ab/abc.jpg" and view.history[-1].comment is None


def test_with_the_database_down_the_citizen_is_told_and_nothing_is_half_done():
    services = services_on(DOWN_DATABASE_URL)
    messages, slots = run(ActionStartFollowup(services), tracker("reopen my complaint", "reopen_complaint"))
    assert responses(messages) == ["utter_service_down"] and slots.get("followup") is None
    slots = {"followup": "reopen", "target_complaint": "PB-PGR-2026-01-01-000001", "reason": "still broken"}
    messages, _ = run(ActionSubmitFollowup(services), tracker("", slots=slots))
    assert responses(messages) == ["utter_followup_failed"]
    services.close()


def test_the_update_is_told_in_the_conversations_language_from_what_the_worker_sent():
    entities = [
        {"entity": "update_number", "value": "PB-PGR-2026-11-02-000031"},
        {"entity": "update_action", "value": "REJECT"},
        {"entity": "update_service", "value": "StreetLightNotWorking"},
        {"entity": "update_status", "value": "REJECTED"},
        {"entity": "update_comment", "value": "private land"},
    ]
    [message], _ = run(
        ActionNotifyUpdate(),
        tracker("EXTERNAL: complaint_updated", "complaint_updated", entities=entities, slots={"language": "pa"}),
    )
    catalogue = load_catalogue()
    assert message["response"] == "utter_update_rejected" and message["comment"] == "private land"
    assert message["service_name"] == catalogue.services["StreetLightNotWorking"].name("pa")
    assert message["status"] == catalogue.label("statuses", "REJECTED", "pa")
    assert run(ActionNotifyUpdate(), tracker("EXTERNAL: complaint_updated", "complaint_updated"))[0] == []


def test_a_resolution_with_a_template_and_a_proof_photo_is_told_in_the_citizens_words_with_the_photo():
    entities = [
        {"entity": "update_number", "value": "PB-PGR-2026-11-02-000031"},
        {"entity": "update_action", "value": "RESOLVE"},
        {"entity": "update_service", "value": "StreetLightNotWorking"},
        {"entity": "update_status", "value": "RESOLVED"},
        {"entity": "update_template", "value": "resolve.replaced"},
        {"entity": "update_comment", "value": "LED 40W"},
        {"entity": "update_photo", "value": "/srv/media/ab/ab12.jpg"},
    ]
    [message] = run(
        ActionNotifyUpdate(),
        tracker("EXTERNAL: complaint_updated", "complaint_updated", entities=entities, slots={"language": "hi"}),
    )[0]
    assert message["response"] == "utter_update_resolved" and message["image"] == "/srv/media/ab/ab12.jpg"
    assert message["comment"] == load_responses().get("resolve.replaced").text("hi") + "\nLED 40W"


@pytest.mark.parametrize(
    "said, response", [(None, "utter_update_assigned"), ("on my way", "utter_update_assigned_with_comment")]
)
def test_an_assignment_tells_staffs_words_only_when_they_said_some(said, response):
    entities = [
        {"entity": "update_number", "value": "PB-PGR-2026-11-02-000031"},
        {"entity": "update_action", "value": "ASSIGN"},
        {"entity": "update_service", "value": "StreetLightNotWorking"},
        {"entity": "update_status", "value": "PENDINGATLME"},
        {"entity": "update_expected", "value": "04-12-2026"},
    ] + ([{"entity": "update_comment", "value": said}] if said else [])
    [message] = run(
        ActionNotifyUpdate(), tracker("EXTERNAL: complaint_updated", "complaint_updated", entities=entities)
    )[0]
    assert message["response"] == response and message["image"] is None and message["expected"] == "04-12-2026"
