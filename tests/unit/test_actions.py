"""The custom actions and the complaint form, run as the action server runs them, on a real SQLite database."""

import time
from datetime import timedelta

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from actions.actions import (
    ActionCancelComplaint,
    ActionDropSecondComplaint,
    ActionFollowComplaint,
    ActionMoreComplaints,
    ActionRemindFiling,
    ActionStartComplaint,
    ActionStartSecondComplaint,
    ActionSubmitComplaint,
    ActionTrackComplaint,
)
from actions.forms import ActionAskComplaintCategory, ActionAskConfirmed, ActionAskLocality, ValidateComplaintForm
from actions.replies import local_date
from seva.escalation import Escalation
from seva.models import Complaint
from seva.storage import utcnow
from tests.helpers import DOWN_DATABASE_URL, services_on, tracker

FILLED = {
    "complaint_type": "StreetLightNotWorking",
    "complaint_category": "StreetLights",
    "city": "pb.jalandhar",
    "locality": "Model Town",
    "locality_code": "JLC388",
    "description": "the streetlight outside my house is dead since a week",
    "photo": "https://example.org/light.jpg",
    "location": "31.326000,75.576000",
    "confirmed": "yes",
    "draft_id": "draft-1",
}


@pytest.fixture
def services(sqlite_services):
    """The action server's services, on a real SQLite file."""
    return sqlite_services


@pytest.fixture
def services_down():
    services = services_on(DOWN_DATABASE_URL)
    yield services
    services.close()


def run(action, t, domain=None):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, t, domain or {})
    return events, dispatcher.messages


def responses(messages):
    return [m["response"] for m in messages]


def slots_set(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def count_complaints(db):
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Complaint))


# Filing


def test_submitting_files_the_complaint_and_gives_its_number(services):
    events, messages = run(ActionSubmitComplaint(services), tracker("yes", "affirm", slots=FILLED))
    assert responses(messages) == ["utter_complaint_filed"]
    assert messages[0]["number"].startswith("PB-PGR-")
    assert messages[0]["department"] == "Street Lights" and messages[0]["city_name"] == "Jalandhar"
    assert all(value is None for value in slots_set(events).values())
    with services.database.session() as session:
        row = session.scalar(select(Complaint))
        assert (row.number, row.sender_id, row.channel) == (messages[0]["number"], "citizen-1", "rest")
        assert (row.latitude, row.longitude) == (31.326, 75.576)


def test_a_retried_submission_files_one_complaint(services):
    _, first = run(ActionSubmitComplaint(services), tracker("yes", "affirm", slots=FILLED))
    _, second = run(ActionSubmitComplaint(services), tracker("yes", "affirm", slots=FILLED))
    assert first[0]["number"] == second[0]["number"]
    assert count_complaints(services.database) == 1


def test_when_the_database_is_down_the_citizen_hears_an_apology_and_keeps_the_answers(services_down):
    events, messages = run(ActionSubmitComplaint(services_down), tracker("yes", "affirm", slots=FILLED))
    assert responses(messages) == ["utter_submit_failed"]
    assert slots_set(events) == {"submission_pending": True}


def test_the_first_message_becomes_the_description_when_it_describes_the_problem():
    text = "the streetlight outside my house is dead since a week, Model Town Jalandhar"
    events, _ = run(
        ActionStartComplaint(),
        tracker(text, "file_complaint", entities=[{"entity": "complaint_type", "value": "StreetLightNotWorking"}]),
    )
    assert slots_set(events)["description"] == text
    events, _ = run(ActionStartComplaint(), tracker("i want to complain", "file_complaint"))
    assert "description" not in slots_set(events) and slots_set(events)["draft_id"]


def test_a_photo_or_a_pin_that_opens_a_complaint_is_kept_for_it_unless_the_pin_is_far_away():
    photo = {"image": {"uri": "media/ab12.jpg", "mime_type": "image/jpeg"}}
    events, _ = run(ActionStartComplaint(), tracker("📷", "file_complaint", metadata=photo))
    assert slots_set(events)["photo"] == "media/ab12.jpg"
    pin = {"location": {"latitude": 30.211, "longitude": 74.9455}}
    events, _ = run(ActionStartComplaint(), tracker("📍", "file_complaint", metadata=pin))
    assert slots_set(events)["location"] == "30.211000,74.945500"
    delhi = {"location": {"latitude": 28.6139, "longitude": 77.209}}
    events, _ = run(ActionStartComplaint(), tracker("📍", "file_complaint", metadata=delhi))
    assert "location" not in slots_set(events)


# A second problem in the same message

TWO_PROBLEMS = "All the street lights on our road are off since 10 days. Also garbage is lying at the corner"


def test_a_second_problem_in_the_opening_message_is_kept_for_after_the_filing():
    opened = tracker(
        TWO_PROBLEMS,
        "file_complaint",
        entities=[{"entity": "complaint_type", "value": "StreetLightNotWorking"}],
        parsed={"complaint_type_also": "GarbageNeedsTobeCleared"},
    )
    events, _ = run(ActionStartComplaint(), opened)
    assert slots_set(events)["also_problem"] == {"service": "GarbageNeedsTobeCleared", "description": TWO_PROBLEMS}
    events, _ = run(ActionStartComplaint(), tracker("the street light is off", "file_complaint"))
    assert slots_set(events)["also_problem"] is None


def test_once_filed_the_second_problem_is_offered_with_the_same_place(services):
    also = {"service": "GarbageNeedsTobeCleared", "description": TWO_PROBLEMS}
    events, messages = run(
        ActionSubmitComplaint(services), tracker("yes", "affirm", slots={**FILLED, "also_problem": also})
    )
    assert responses(messages) == ["utter_complaint_filed", "utter_offer_second_complaint"]
    assert messages[1]["service_name"] == "Garbage to be cleared"
    offered = slots_set(events)
    assert offered["second_problem"] == "GarbageNeedsTobeCleared"
    assert offered["also_problem"]["locality_code"] == FILLED["locality_code"]

    events, messages = run(ActionStartSecondComplaint(), tracker("/file_second_complaint", slots=offered))
    second = slots_set(events)
    assert messages == [] and second["draft_id"] not in (None, FILLED["draft_id"])
    assert (second["complaint_type"], second["complaint_category"]) == ("GarbageNeedsTobeCleared", "Garbage")
    assert (second["city"], second["locality_code"], second["description"]) == (
        "pb.jalandhar",
        "JLC388",
        TWO_PROBLEMS,
    )
    # The photo was of the first problem; the second is asked its own.
    assert second["photo"] is None and second["second_problem"] is None


async def test_the_form_takes_the_second_complaint_as_begun_and_reads_no_answer_in_its_yes(form):
    begun = {**FILLED, "complaint_type": "GarbageNeedsTobeCleared", "complaint_category": "Garbage"}
    begun.update(photo=None, location=None, confirmed=None)
    t = tracker("/file_second_complaint", "file_second_complaint", new_slots=begun, active_loop="complaint_form")
    t.events.append({"event": "action", "name": "action_start_second_complaint"})
    slots, messages = await validate(form, t)
    # Nothing read in the "yes"; the next question is the second problem's own photo, not one already answered.
    assert slots == {"requested_slot": "photo"} and messages == []


def test_a_second_problem_of_the_category_just_filed_is_not_offered(services):
    also = {"service": "BurningOfGarbage", "description": TWO_PROBLEMS}
    filed = {
        **FILLED,
        "complaint_type": "GarbageNeedsTobeCleared",
        "complaint_category": "Garbage",
        "also_problem": also,
    }
    events, messages = run(ActionSubmitComplaint(services), tracker("yes", "affirm", slots=filed))
    assert responses(messages) == ["utter_complaint_filed"]
    assert slots_set(events)["second_problem"] is None


def test_no_to_the_second_problem_leaves_it(services):
    offered = {"second_problem": "GarbageNeedsTobeCleared", "also_problem": {"service": "GarbageNeedsTobeCleared"}}
    events, messages = run(ActionDropSecondComplaint(), tracker("no", "deny", slots=offered))
    assert responses(messages) == ["utter_second_complaint_dropped"]
    assert slots_set(events) == {"second_problem": None, "also_problem": None}


def test_cancelling_drops_the_draft_and_the_form(services):
    events, messages = run(
        ActionCancelComplaint(services), tracker("stop", "stop", slots=FILLED, active_loop="complaint_form")
    )
    assert responses(messages) == ["utter_complaint_cancelled"]
    assert any(e["event"] == "active_loop" and e["name"] is None for e in events)
    assert slots_set(events)["complaint_type"] is None


def test_cancelling_with_nothing_going_on_says_so(services):
    _, messages = run(ActionCancelComplaint(services), tracker("cancel", "stop"))
    assert responses(messages) == ["utter_nothing_to_cancel"]


# Tracking


def file_some(services, count, sender="citizen-1"):
    numbers = []
    for i in range(count):
        _, messages = run(
            ActionSubmitComplaint(services),
            tracker("yes", "affirm", slots={**FILLED, "draft_id": f"d{i}"}, sender_id=sender),
        )
        numbers.append(messages[0]["number"])
    return numbers


def test_tracking_by_number_shows_status_and_history(services):
    number = file_some(services, 1)[0]
    _, messages = run(
        ActionTrackComplaint(services),
        tracker(
            f"status of {number.lower()}", "track_complaint", entities=[{"entity": "complaint_id", "value": number}]
        ),
    )
    assert responses(messages) == ["utter_complaint_status"]
    status = messages[0]
    assert status["number"] == number and status["status"] == "Filed, waiting to be assigned"
    assert status["place"] == "Model Town" and status["city_name"] == "Jalandhar"
    assert "Filed" in status["history"]
    assert status["expected"] == local_date(services.complaints.get(number).due_at)


def test_an_escalated_complaint_tells_its_escalation_and_the_new_expected_day(services):
    number = file_some(services, 1)[0]
    later = services.complaints.get(number).due_at + timedelta(days=1)
    assert Escalation(services.database, services.catalogue).run_once(now=later) == 1
    _, messages = run(
        ActionTrackComplaint(services),
        tracker(f"status of {number}", "track_complaint", entities=[{"entity": "complaint_id", "value": number}]),
    )
    assert "Escalated, being overdue" in messages[0]["history"]
    assert messages[0]["expected"] == local_date(later + timedelta(days=3))


def test_someone_elses_complaint_is_not_found(services):
    number = file_some(services, 1, sender="citizen-1")[0]
    _, messages = run(
        ActionTrackComplaint(services), tracker(f"status of {number}", "track_complaint", sender_id="citizen-2")
    )
    assert responses(messages) == ["utter_complaint_not_found"]


def test_my_complaints_come_in_pages_of_five(services):
    file_some(services, 7)
    events, messages = run(ActionTrackComplaint(services), tracker("my complaints", "track_complaint"))
    assert responses(messages) == ["utter_my_complaints", "utter_more_complaints"]
    assert (messages[0]["first"], messages[0]["last"], messages[0]["total"]) == (1, 5, 7)
    assert messages[0]["lines"].count("PB-PGR-") == 5
    events, messages = run(
        ActionMoreComplaints(services),
        tracker("more", "more", slots={"complaints_page": slots_set(events)["complaints_page"]}),
    )
    assert responses(messages) == ["utter_my_complaints"]
    assert (messages[0]["first"], messages[0]["last"]) == (6, 7)
    _, messages = run(
        ActionMoreComplaints(services),
        tracker("more", "more", slots={"complaints_page": slots_set(events)["complaints_page"]}),
    )
    assert responses(messages) == ["utter_no_more_complaints"]


def test_no_complaints_yet(services):
    _, messages = run(ActionTrackComplaint(services), tracker("my complaints", "track_complaint"))
    assert responses(messages) == ["utter_no_complaints"]


def test_tracking_while_the_database_is_down_apologises(services_down):
    _, messages = run(ActionTrackComplaint(services_down), tracker("my complaints", "track_complaint"))
    assert responses(messages) == ["utter_service_down"]


# The form


@pytest.fixture
def form(domain, services):
    """The form's validation as the action server runs it, with the domain it is given."""
    return ValidateComplaintForm(services), domain


async def validate(form, t):
    action, domain = form
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, domain)
    return slots_set(events), dispatcher.messages


async def test_a_misspelt_town_is_taken(form):
    slots, messages = await validate(
        form,
        tracker(
            "jalandher",
            "inform",
            slots={"complaint_type": "DamagedRoad", "requested_slot": "city"},
            new_slots={"city": "jalandher"},
            active_loop="complaint_form",
        ),
    )
    assert slots["city"] == "pb.jalandhar" and messages == []


async def test_an_unsure_town_is_asked_about_with_buttons(form):
    slots, messages = await validate(
        form,
        tracker(
            "patla",
            "inform",
            slots={"complaint_type": "DamagedRoad", "requested_slot": "city"},
            new_slots={"city": "patla"},
            active_loop="complaint_form",
        ),
    )
    assert slots["city"] is None
    assert responses(messages) == ["utter_did_you_mean_city"]
    assert [b["title"] for b in messages[0]["buttons"]][:2] == ["Patiala", "Batala"]
    assert messages[0]["buttons"][0]["payload"] == '/inform{"city": "pb.patiala"}'


async def test_an_unknown_town_is_refused_politely(form):
    slots, messages = await validate(
        form,
        tracker(
            "gotham",
            "inform",
            slots={"complaint_type": "DamagedRoad", "requested_slot": "city"},
            new_slots={"city": "gotham"},
            active_loop="complaint_form",
        ),
    )
    assert slots["city"] is None and responses(messages) == ["utter_unknown_city"]


async def test_a_locality_that_exists_twice_is_disambiguated(form):
    before = {"complaint_type": "StreetLightNotWorking", "city": "pb.jalandhar", "requested_slot": "locality"}
    slots, messages = await validate(
        form,
        tracker(
            "model town", "inform", slots=before, new_slots={"locality": "model town"}, active_loop="complaint_form"
        ),
    )
    assert slots["locality"] is None
    assert responses(messages) == ["utter_which_locality"]
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/inform{"locality_code": "JLC373"}',
        '/inform{"locality_code": "JLC388"}',
    ]
    # Told apart by the colonies next to each, which a citizen knows, rather than by ward.
    assert [b["title"] for b in messages[0]["buttons"]] == [
        "Model Town, near Parkash Nagar, Guru Nagar",
        "Model Town, near New Jawahar Nagar, Lajpat Nagar",
    ]

    slots, messages = await validate(
        form,
        tracker(
            '/inform{"locality_code": "JLC388"}',
            "inform",
            slots=before,
            entities=[{"entity": "locality_code", "value": "JLC388"}],
            new_slots={"locality": "JLC388"},
            active_loop="complaint_form",
        ),
    )
    assert (slots["locality"], slots["locality_code"]) == ("Model Town", "JLC388") and messages == []


async def test_an_unknown_place_is_kept_as_a_landmark(form):
    before = {"complaint_type": "DamagedRoad", "city": "pb.phagwara", "requested_slot": "locality"}
    text = "behind the old water tank"
    slots, messages = await validate(
        form, tracker(text, "inform", slots=before, new_slots={"locality": text}, active_loop="complaint_form")
    )
    assert (slots["locality"], slots["landmark"], slots["locality_code"]) == (text, text, None)
    assert responses(messages) == ["utter_landmark_kept"]


async def test_a_place_longer_than_kept_is_cut_to_what_the_summary_shows(form):
    before = {"complaint_type": "DamagedRoad", "city": "pb.phagwara", "requested_slot": "locality"}
    text = "behind the old water tank " + "and then further along the lane " * 10
    slots, _ = await validate(
        form, tracker(text, "inform", slots=before, new_slots={"locality": text}, active_loop="complaint_form")
    )
    assert len(slots["locality"]) == len(slots["landmark"]) == 200 and text.startswith(slots["landmark"])


async def test_a_town_without_a_locality_list_takes_the_place_as_written(form):
    before = {"complaint_type": "DamagedRoad", "city": "pb.ludhiana", "requested_slot": "locality"}
    slots, messages = await validate(
        form,
        tracker(
            "Sarabha Nagar",
            "inform",
            slots=before,
            new_slots={"locality": "Sarabha Nagar"},
            active_loop="complaint_form",
        ),
    )
    assert (slots["locality"], slots["landmark"]) == ("Sarabha Nagar", "Sarabha Nagar") and messages == []


async def test_an_emoji_is_not_a_description(form):
    before = {
        **FILLED,
        "description": None,
        "photo": None,
        "location": None,
        "confirmed": None,
        "requested_slot": "description",
    }
    slots, messages = await validate(
        form,
        tracker("😡😡", "nlu_fallback", slots=before, new_slots={"description": "😡😡"}, active_loop="complaint_form"),
    )
    assert slots["description"] is None and responses(messages) == ["utter_description_too_short"]


async def test_a_very_long_description_is_kept_within_bounds(form):
    before = {
        **FILLED,
        "description": None,
        "photo": None,
        "location": None,
        "confirmed": None,
        "requested_slot": "description",
    }
    text = "the drain is overflowing " * 20_000
    slots, _ = await validate(
        form,
        tracker(text, "file_complaint", slots=before, new_slots={"description": text}, active_loop="complaint_form"),
    )
    assert 0 < len(slots["description"]) <= 4000


@pytest.mark.parametrize(
    "text, intent, metadata, expected",
    [
        ("", "nlu_fallback", {"image": {"uri": "media/ab12.jpg", "mime_type": "image/jpeg"}}, "media/ab12.jpg"),
        ("here https://example.org/p.jpg", "inform", {}, "https://example.org/p.jpg"),
        ("/skip", "skip", {}, "skipped"),
        ("nahi", "deny", {}, "skipped"),
        ("blue", "inform", {}, None),
        ("", "nlu_fallback", {"image": "https://example.org/p.jpg"}, None),
        ("", "nlu_fallback", {"image": ["https://example.org/p.jpg"]}, None),
    ],
)
async def test_the_photo_answer(form, text, intent, metadata, expected):
    before = {**FILLED, "photo": None, "location": None, "confirmed": None, "requested_slot": "photo"}
    slots, messages = await validate(
        form, tracker(text, intent, slots=before, metadata=metadata, active_loop="complaint_form")
    )
    assert slots["photo"] == expected
    assert responses(messages) == ([] if expected else ["utter_photo_not_understood"])


@pytest.mark.parametrize("typed", ["ਛੱਡੋ", "chhado", "chhad do", "छोड़ें", "छोड़ो", "रहने दो", "chhodo", "skip"])
@pytest.mark.parametrize("slot", ["photo", "location"])
async def test_a_skip_word_of_any_script_skips_the_optional_question_even_read_as_stop(form, typed, slot):
    before = {**FILLED, "photo": None, "location": None, "confirmed": None, "requested_slot": slot}
    slots, messages = await validate(form, tracker(typed, "stop", slots=before, active_loop="complaint_form"))
    assert slots[slot] == "skipped" and messages == []


@pytest.mark.parametrize("greeting", ["namaste", "ਸਤ ਸ੍ਰੀ ਅਕਾਲ"])
async def test_a_greeting_is_no_answer_to_the_photo_question(form, greeting):
    before = {**FILLED, "photo": None, "location": None, "confirmed": None, "requested_slot": "photo"}
    slots, messages = await validate(form, tracker(greeting, "greet", slots=before, active_loop="complaint_form"))
    assert "photo" not in slots and messages == []


AT_THE_SUMMARY = {
    **FILLED,
    "city": "pb.amritsar",
    "locality": "Putlighar",
    "locality_code": "ASR007",
    "confirmed": None,
    "requested_slot": "confirmed",
}


@pytest.mark.parametrize(
    "typed, intent, language",
    [
        ("ਥਾਂ ਬਦਲੋ, ਰਣਜੀਤ ਐਵੀਨਿਊ ਕਰ ਦਿਓ", "affirm", "pa"),
        ("जगह बदलो, रंजीत एवेन्यू है", "inform", "hi"),
        ("jagah galat hai, Ranjit Avenue likho", "deny", "hi"),
        ("change the place to Ranjit Avenue", "inform", "en"),
    ],
)
async def test_a_correction_in_the_citizens_words_takes_the_new_value_said_with_it(form, typed, intent, language):
    slots, _ = await validate(
        form,
        tracker(
            typed,
            intent,
            slots={**AT_THE_SUMMARY, "language": language},
            new_slots={"confirmed": typed},
            active_loop="complaint_form",
        ),
    )
    assert (slots["locality"], slots["confirmed"]) == ("Ranjit Avenue", None)
    assert slots["locality_code"] != "ASR007"


@pytest.mark.parametrize("typed", ["ਫ਼ੋਟੋ ਬਦਲਣੀ ਹੈ", "photo change karni hai"])
async def test_a_correction_without_a_new_value_asks_for_it(form, typed):
    slots, _ = await validate(
        form,
        tracker(typed, "inform", slots=AT_THE_SUMMARY, new_slots={"confirmed": typed}, active_loop="complaint_form"),
    )
    assert slots["photo"] is None and slots["confirmed"] is None


@pytest.mark.parametrize("typed", ["हाँ, शिकायत दर्ज करो", "ਹਾਂ ਜੀ, ਸ਼ਿਕਾਇਤ ਦਰਜ ਕਰੋ", "yes file the complaint"])
async def test_a_yes_that_names_the_complaint_files_it(form, typed):
    slots, _ = await validate(
        form,
        tracker(typed, "affirm", slots=AT_THE_SUMMARY, new_slots={"confirmed": typed}, active_loop="complaint_form"),
    )
    assert slots["confirmed"] == "yes"


def a_pin_when_asked(before, pin):
    """A WhatsApp location pin sent while the form asks `before["requested_slot"]`, which takes the text as is."""
    return tracker(
        "📍",
        "file_complaint",
        slots=before,
        new_slots={before["requested_slot"]: "📍"},
        metadata={"location": {"latitude": pin[0], "longitude": pin[1]}},
        active_loop="complaint_form",
    )


@pytest.mark.parametrize(
    "text, intent, metadata, photo, location",
    [
        ("📷", "file_complaint", {"image": {"uri": "media/ab.jpg"}}, "media/ab.jpg", "skipped"),
        (
            "📍",
            "file_complaint",
            {"location": {"latitude": 31.326, "longitude": 75.576}},
            "skipped",
            "31.326000,75.576000",
        ),
        ("31.326, 75.576", "inform", {}, "skipped", "31.326000,75.576000"),
        ("skip", "skip", {}, "skipped", "skipped"),
    ],
)
async def test_the_photo_and_the_pin_are_one_optional_step(form, text, intent, metadata, photo, location):
    before = {**FILLED, "photo": None, "location": None, "confirmed": None, "requested_slot": "photo"}
    slots, _ = await validate(
        form, tracker(text, intent, slots=before, metadata=metadata, active_loop="complaint_form")
    )
    assert (slots["photo"], slots["location"]) == (photo, location)


async def test_a_pin_sent_at_the_summary_is_added_and_the_summary_shown_again(form):
    before = {**FILLED, "location": "skipped", "confirmed": None, "requested_slot": "confirmed"}
    slots, _ = await validate(form, a_pin_when_asked(before, (31.326, 75.576)))
    assert slots["location"] == "31.326000,75.576000" and slots["confirmed"] is None


async def test_a_photo_link_too_long_to_keep_is_refused_with_a_reason(form):
    before = {**FILLED, "photo": None, "location": None, "confirmed": None, "requested_slot": "photo"}
    link = "https://example.org/" + "p" * 1500 + ".jpg"
    slots, messages = await validate(form, tracker(link, "inform", slots=before, active_loop="complaint_form"))
    assert slots["photo"] is None and responses(messages) == ["utter_photo_link_too_long"]


@pytest.mark.parametrize(
    "text, intent, metadata, expected",
    [
        ("", "nlu_fallback", {"location": {"latitude": 31.3260152, "longitude": 75.5761829}}, "31.326015,75.576183"),
        ("31.33, 75.58", "track_complaint", {}, "31.330000,75.580000"),
        ("51.5, -0.12", "inform", {}, None),
        ("skip", "skip", {}, "skipped"),
    ],
)
async def test_the_location_answer(form, text, intent, metadata, expected):
    before = {**FILLED, "location": None, "confirmed": None, "requested_slot": "location"}
    slots, _ = await validate(
        form, tracker(text, intent, slots=before, metadata=metadata, active_loop="complaint_form")
    )
    assert slots["location"] == expected


@pytest.mark.parametrize(
    "where, pin",
    [("Delhi", (28.6139, 77.2090)), ("Panipat, Haryana", (29.3909, 76.9635)), ("London", (51.5, -0.12))],
)
async def test_a_pin_outside_the_towns_seva_serves_is_refused_politely_and_asked_again(form, where, pin):
    before = {**FILLED, "location": None, "confirmed": None, "requested_slot": "location"}
    metadata = {"location": {"latitude": pin[0], "longitude": pin[1]}}
    slots, messages = await validate(
        form, tracker("", "nlu_fallback", slots=before, metadata=metadata, active_loop="complaint_form")
    )
    assert slots["location"] is None, where
    assert responses(messages) == ["utter_location_outside_area"]


@pytest.mark.parametrize("pin, location", [((28.6139, 77.209), None), ((30.211, 74.9455), "30.211000,74.945500")])
async def test_a_pin_sent_when_asked_the_locality_is_kept_as_the_location_not_the_place(form, pin, location):
    before = {"complaint_type": "GarbageNeedsTobeCleared", "city": "pb.bathinda", "requested_slot": "locality"}
    slots, messages = await validate(form, a_pin_when_asked(before, pin))
    assert slots["locality"] is None and not slots.get("landmark") and slots["location"] == location
    assert responses(messages) == ([] if location else ["utter_location_outside_area"])


@pytest.mark.parametrize("town, pin", [("Zirakpur", (30.6425, 76.8173)), ("Pathankot", (32.2643, 75.6421))])
async def test_a_pin_in_a_border_town_is_taken(form, town, pin):
    before = {**FILLED, "location": None, "confirmed": None, "requested_slot": "location"}
    metadata = {"location": {"latitude": pin[0], "longitude": pin[1]}}
    slots, _ = await validate(
        form, tracker("", "nlu_fallback", slots=before, metadata=metadata, active_loop="complaint_form")
    )
    assert slots["location"] == f"{pin[0]:.6f},{pin[1]:.6f}", town


@pytest.mark.parametrize(
    "typed, asked",
    [("actually it is not the light, it is garbage", "locality"), ("ਅਸਲ ਵਿੱਚ ਲਾਈਟ ਨਹੀਂ, ਕੂੜਾ ਹੈ", "city")],
)
async def test_a_change_of_mind_about_the_problem_while_asked_the_place_changes_the_problem_not_the_place(
    form, typed, asked
):
    before = {"complaint_type": "StreetLightNotWorking", "complaint_category": "StreetLights", "requested_slot": asked}
    if asked == "locality":
        before["city"] = "pb.jalandhar"
    found = [{"entity": "complaint_type", "value": "GarbageNeedsTobeCleared"}]
    slots, messages = await validate(
        form,
        tracker(
            typed,
            "file_complaint",
            entities=found,
            slots=before,
            new_slots={"complaint_type": "GarbageNeedsTobeCleared", asked: typed},
            active_loop="complaint_form",
        ),
    )
    assert slots["complaint_type"] == "GarbageNeedsTobeCleared" and slots["complaint_category"] == "Garbage"
    assert slots[asked] is None and not slots.get("landmark")
    assert responses(messages) == ["utter_problem_changed"]


@pytest.mark.parametrize(
    "typed, asked",
    [
        ("the real trouble is the garbage heap at the corner, it stinks", "photo"),
        ("kooda kai dino se pada hai, badbu aa rahi hai", "confirmed"),
        ("ਕੂੜਾ ਕਈ ਦਿਨਾਂ ਤੋਂ ਪਿਆ ਹੈ, ਬਦਬੂ ਆਉਂਦੀ ਹੈ", "location"),
    ],
)
async def test_a_vague_first_message_told_better_later_changes_the_problem_and_its_description(form, typed, asked):
    before = {**FILLED, "description": "there is a problem in our street", "requested_slot": asked}
    before.update(
        {slot: None for slot in ("photo", "location", "confirmed")[("photo", "location", "confirmed").index(asked) :]}
    )
    found = [{"entity": "complaint_type", "value": "GarbageNeedsTobeCleared"}]
    new_slots = {"complaint_type": "GarbageNeedsTobeCleared", asked: typed}
    slots, messages = await validate(
        form,
        tracker(
            typed, "file_complaint", entities=found, slots=before, new_slots=new_slots, active_loop="complaint_form"
        ),
    )
    assert (slots["complaint_type"], slots["description"]) == ("GarbageNeedsTobeCleared", typed)
    assert slots[asked] is None
    assert responses(messages) == ["utter_problem_changed"]


async def test_a_correction_at_the_summary_is_not_taken_as_the_description(form):
    before = {**FILLED, "confirmed": None, "requested_slot": "confirmed"}
    typed = "change the problem to garbage please"
    found = [{"entity": "complaint_type", "value": "GarbageNeedsTobeCleared"}]
    slots, _ = await validate(
        form,
        tracker(
            typed,
            "file_complaint",
            entities=found,
            slots=before,
            new_slots={"complaint_type": "GarbageNeedsTobeCleared", "confirmed": typed},
            active_loop="complaint_form",
        ),
    )
    assert slots["complaint_type"] == "GarbageNeedsTobeCleared" and slots["confirmed"] is None
    assert slots.get("description", FILLED["description"]) == FILLED["description"]


async def test_asking_to_track_while_the_location_is_asked_is_an_interruption_not_an_answer(form):
    before = {**FILLED, "location": None, "confirmed": None, "requested_slot": "location"}
    slots, messages = await validate(
        form, tracker("my complaints", "track_complaint", slots=before, active_loop="complaint_form")
    )
    assert "location" not in slots and messages == []


async def test_confirming_and_correcting(form):
    before = {**FILLED, "confirmed": None, "requested_slot": "confirmed"}
    slots, _ = await validate(
        form, tracker("yes", "affirm", slots=before, new_slots={"confirmed": "yes"}, active_loop="complaint_form")
    )
    assert slots["confirmed"] == "yes"
    slots, messages = await validate(
        form, tracker("no", "deny", slots=before, new_slots={"confirmed": "no"}, active_loop="complaint_form")
    )
    assert slots["confirmed"] is None and responses(messages) == ["utter_ask_correction"]
    slots, _ = await validate(
        form,
        tracker(
            '/inform{"correction": "city"}',
            "inform",
            slots=before,
            entities=[{"entity": "correction", "value": "city"}],
            new_slots={"confirmed": "/inform"},
            active_loop="complaint_form",
        ),
    )
    assert slots["city"] is None and slots["locality"] is None and slots["confirmed"] is None
    assert slots.get("complaint_type", FILLED["complaint_type"]) == FILLED["complaint_type"]


async def test_a_category_picked_by_number_and_a_one_service_category_fills_the_type(form):
    before = {"requested_slot": "complaint_category"}
    slots, _ = await validate(
        form,
        tracker("2", "inform", slots=before, new_slots={"complaint_category": "2"}, active_loop="complaint_form"),
    )
    assert slots["complaint_category"] == "Garbage" and "complaint_type" not in slots
    slots, _ = await validate(
        form,
        tracker(
            '/inform{"complaint_category": "StreetLights"}',
            "inform",
            slots=before,
            entities=[{"entity": "complaint_category", "value": "StreetLights"}],
            new_slots={"complaint_category": "StreetLights"},
            active_loop="complaint_form",
        ),
    )
    assert (slots["complaint_category"], slots["complaint_type"]) == ("StreetLights", "StreetLightNotWorking")


async def test_a_later_answer_does_not_overwrite_the_complaint_type(form):
    before = {
        **FILLED,
        "description": None,
        "photo": None,
        "location": None,
        "confirmed": None,
        "requested_slot": "description",
    }
    text = "also the drain next to it is blocked"
    slots, _ = await validate(
        form,
        tracker(
            text,
            "file_complaint",
            slots=before,
            entities=[{"entity": "complaint_type", "value": "OverflowingOrBlockedDrain"}],
            new_slots={"complaint_type": "OverflowingOrBlockedDrain", "description": text},
            active_loop="complaint_form",
        ),
    )
    assert slots["complaint_type"] == "StreetLightNotWorking" and slots["description"] == text


async def test_the_problem_told_in_words_when_asked_the_category_is_its_type_and_its_description(form):
    text = "the light on our pole is off for a week"
    found = [{"entity": "complaint_type", "value": "StreetLightNotWorking"}]
    slots, _ = await validate(
        form,
        tracker(
            text,
            "file_complaint",
            entities=found,
            slots={"requested_slot": "complaint_category"},
            new_slots={"complaint_category": text, "complaint_type": "StreetLightNotWorking"},
            active_loop="complaint_form",
        ),
    )
    assert (slots["complaint_category"], slots["complaint_type"]) == ("StreetLights", "StreetLightNotWorking")
    assert slots["description"] == text


async def test_the_town_and_the_locality_in_one_answer_are_both_taken(form):
    found = [
        {"entity": "city", "value": "pb.hoshiarpur"},
        {"entity": "locality", "value": "Model Town"},
    ]
    slots, _ = await validate(
        form,
        tracker(
            "Model Town, Hoshiarpur",
            "inform",
            entities=found,
            slots={"complaint_type": "StreetLightNotWorking", "requested_slot": "city"},
            new_slots={"city": "pb.hoshiarpur", "locality": "Model Town"},
            active_loop="complaint_form",
        ),
    )
    assert slots["city"] == "pb.hoshiarpur" and slots["locality_code"]


def test_two_likely_problems_are_offered_as_two_buttons_and_a_third_shows_every_category(form):
    t = tracker("nali band hai aur machar bahut hain", "file_complaint", slots={"language": "hi"})
    t.latest_message["complaint_type_choices"] = ["OverflowingOrBlockedDrain", "RequestSprayingOrFoggingOperation"]
    _, messages = run(ActionAskComplaintCategory(), t)
    assert responses(messages) == ["utter_which_problem"]
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/inform{"complaint_type": "OverflowingOrBlockedDrain"}',
        '/inform{"complaint_type": "RequestSprayingOrFoggingOperation"}',
        '/inform{"complaint_category": "all"}',
    ]
    assert messages[0]["buttons"][2]["title"] == "कोई और समस्या"


async def test_another_problem_under_the_two_asks_the_categories_without_a_complaint(form):
    before = {"requested_slot": "complaint_category"}
    found = [{"entity": "complaint_category", "value": "all"}]
    slots, messages = await validate(
        form,
        tracker(
            '/inform{"complaint_category": "all"}',
            "inform",
            entities=found,
            slots=before,
            new_slots={"complaint_category": "all"},
            active_loop="complaint_form",
        ),
    )
    assert slots["complaint_category"] is None and messages == []


def test_the_category_question_offers_every_category_as_a_button():
    _, messages = run(ActionAskComplaintCategory(), tracker("file a complaint", "file_complaint"))
    assert len(messages[0]["buttons"]) == 13
    assert messages[0]["buttons"][0]["payload"] == '/inform{"complaint_category": "StreetLights"}'


def test_the_summary_is_shown_before_asking_to_file():
    _, messages = run(ActionAskConfirmed(), tracker("skip", "skip", slots={**FILLED, "confirmed": None}))
    assert responses(messages) == ["utter_complaint_summary", "utter_ask_confirmed"]
    assert messages[0]["place"] == "Model Town" and messages[0]["photo_count"] == 1


def test_the_locality_question_names_the_town_unless_choices_were_just_offered():
    _, messages = run(ActionAskLocality(), tracker("jalandhar", "inform", slots={"city": "pb.jalandhar"}))
    assert responses(messages) == ["utter_ask_locality"] and messages[0]["city_name"] == "Jalandhar"
    t = tracker("model town", "inform", slots={"city": "pb.jalandhar"})
    t.events.append({"event": "bot", "text": "Which one?", "data": {"buttons": [{"title": "a", "payload": "/x"}]}})
    _, messages = run(ActionAskLocality(), t)
    assert messages == []


def test_the_language_banner_before_it_does_not_stop_the_locality_question():
    t = tracker("light kharab hai Jalandhar mein", "file_complaint", slots={"city": "pb.jalandhar", "language": "hi"})
    banner = {"buttons": [{"title": "English", "payload": '/choose_language{"language": "en"}'}]}
    t.events.append({"event": "bot", "metadata": {"utter_action": "utter_language_guessed"}, "data": banner})
    _, messages = run(ActionAskLocality(), t)
    assert responses(messages) == ["utter_ask_locality"]


def test_a_problem_reported_already_is_offered_to_follow_instead_of_filed_twice(services):
    kept = file_some(services, 1, sender="citizen-1")[0]
    asked, messages = run(
        ActionSubmitComplaint(services),
        tracker("yes", "affirm", slots={**FILLED, "draft_id": "again"}, sender_id="citizen-2"),
    )
    assert responses(messages) == ["utter_ask_duplicate"] and messages[0]["number"] == kept
    assert asked == [{"event": "slot", "timestamp": None, "name": "duplicate_of", "value": kept}]
    assert services.complaints.list_for("citizen-2").total == 0

    slots = {**FILLED, "draft_id": "again", "duplicate_of": kept}
    events, messages = run(
        ActionFollowComplaint(services), tracker("", "follow_complaint", slots=slots, sender_id="citizen-2")
    )
    assert responses(messages) == ["utter_following"] and messages[0]["number"] == kept
    assert services.complaints.get(kept).followers == 1
    assert {e["name"]: e["value"] for e in events}["duplicate_of"] is None  # the form is cleared
    assert [c.number for c in services.complaints.list_for("citizen-2").items] == [kept]


@pytest.mark.parametrize("text, intent", [("/file_new_complaint", "file_new_complaint"), ("no, another one", "deny")])
def test_file_a_new_one_or_a_typed_no_files_it_all_the_same(services, text, intent):
    kept = file_some(services, 1, sender="citizen-1")[0]
    asked = {**FILLED, "draft_id": "anyway", "duplicate_of": kept}
    _, messages = run(ActionSubmitComplaint(services), tracker(text, intent, slots=asked, sender_id="citizen-2"))
    assert responses(messages) == ["utter_complaint_filed"]
    assert services.complaints.list_for("citizen-2").total == 1


# The reminder to a citizen silent in the middle of filing

QUIET = 31 * 60


def silent_for(seconds, **kwargs):
    """A tracker whose citizen last wrote `seconds` ago, then the worker's triggered reminder."""
    t = tracker("", "filing_reminder", **kwargs)
    t.events[-1]["timestamp"] = time.time()
    said = {"event": "user", "text": "Jalandhar", "timestamp": time.time() - seconds, "parse_data": {}}
    t.events.insert(len(t.events) - 1, said)
    return t


def test_the_reminder_names_the_complaint_begun_and_offers_continue_and_cancel(services):
    slots = {"complaint_type": "StreetLightNotWorking", "language": "pa", "requested_slot": "locality"}
    _, messages = run(ActionRemindFiling(services), silent_for(QUIET, slots=slots, active_loop="complaint_form"))
    assert responses(messages) == ["utter_filing_reminder"]
    assert messages[0]["service_name"] == services.catalogue.services["StreetLightNotWorking"].name("pa")


def test_the_reminder_of_a_filing_without_a_type_yet_says_so(services):
    _, messages = run(ActionRemindFiling(services), silent_for(QUIET, active_loop="complaint_form"))
    assert responses(messages) == ["utter_filing_reminder_untyped"]


@pytest.mark.parametrize("seconds, loop", [(QUIET, None), (QUIET, "followup_form"), (60, "complaint_form")])
def test_no_reminder_once_the_filing_ended_or_when_the_citizen_wrote_again(services, seconds, loop):
    _, messages = run(ActionRemindFiling(services), silent_for(seconds, active_loop=loop))
    assert messages == []


def test_filing_cancelling_and_following_end_the_filing_so_no_reminder_comes(services):
    kept = file_some(services, 1, sender="citizen-1")[0]
    later = utcnow() + timedelta(hours=1)
    for sender in ("citizen-2", "citizen-3", "citizen-4"):
        services.reminders.touch(sender, "rest")
    run(
        ActionSubmitComplaint(services),
        tracker("yes", "affirm", slots={**FILLED, "duplicate_of": kept}, sender_id="citizen-2"),
    )
    run(
        ActionCancelComplaint(services),
        tracker("stop", "stop", slots=FILLED, active_loop="complaint_form", sender_id="citizen-3"),
    )
    run(
        ActionFollowComplaint(services),
        tracker("yes", "affirm", slots={**FILLED, "duplicate_of": kept}, sender_id="citizen-4"),
    )
    assert services.reminders.claim_due(later) == []


async def test_each_answer_in_the_form_restarts_the_quiet_time(form, services):
    before = {"complaint_type": "DamagedRoad", "requested_slot": "city"}
    await validate(
        form,
        tracker("jalandhar", "inform", slots=before, new_slots={"city": "jalandhar"}, active_loop="complaint_form"),
    )
    assert [r.sender_id for r in services.reminders.claim_due(utcnow() + timedelta(minutes=31))] == ["citizen-1"]


def test_a_citizen_is_never_asked_about_their_own_complaint(services):
    file_some(services, 1, sender="citizen-1")
    _, messages = run(
        ActionSubmitComplaint(services),
        tracker("yes", "affirm", slots={**FILLED, "draft_id": "mine"}, sender_id="citizen-1"),
    )
    assert responses(messages) == ["utter_complaint_filed"]
