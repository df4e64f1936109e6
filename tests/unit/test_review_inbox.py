"""The trainers' review inbox, read from conversations as Rasa stores their events."""

from seva.review import (
    CANCELLED,
    CLOSE_INTENTS,
    CLOSE_TYPES,
    DID_YOU_MEAN_NO,
    FALLBACK,
    LANGUAGE_BACK,
    TYPE_CHANGED,
    UNSURE,
    inbox,
    key_of,
    mask,
    sightings,
)

LATIN_HI = {"language": "hi", "script": "latin", "confidence": 0.9}
ENGLISH = {"language": "en", "script": "latin", "confidence": 0.95}
GURMUKHI = {"language": "pa", "script": "gurmukhi", "confidence": 1.0}


def said(text, intent, confidence=0.95, second=None, language=ENGLISH, complaint_type=None, **parse):
    ranking = [{"name": intent, "confidence": confidence}]
    if second:
        ranking.append({"name": second[0], "confidence": second[1]})
    entities = list(parse.pop("entities", []))
    if complaint_type:
        entities.append({"entity": "complaint_type", "value": complaint_type})
    return {
        "event": "user",
        "text": text,
        "parse_data": {
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": ranking,
            "entities": entities,
            "language_guess": language,
            **parse,
        },
    }


def fell_back(text, guessed, confidence, language=ENGLISH):
    event = said(text, guessed, confidence, language=language)
    event["parse_data"]["intent"] = {"name": "nlu_fallback", "confidence": 0.3}
    event["parse_data"]["intent_ranking"].insert(0, {"name": "nlu_fallback", "confidence": 0.3})
    return event


def tapped(payload, intent, **entities):
    return {
        "event": "user",
        "text": payload,
        "parse_data": {
            "intent": {"name": intent, "confidence": 1.0},
            "entities": [{"entity": k, "value": v} for k, v in entities.items()],
        },
    }


def action(name):
    return {"event": "action", "name": name}


def slot(name, value):
    return {"event": "slot", "name": name, "value": value}


def reasons(events):
    return [(s.reason, s.text) for s in sightings("c1", events)]


def test_a_confident_conversation_gives_the_trainer_nothing():
    events = [said("hi", "greet"), action("utter_greet"), said("garbage not picked up in Model Town", "file_complaint")]
    assert reasons(events) == []


def test_a_fallback_and_a_message_read_with_little_confidence_are_in_the_inbox_with_what_seva_would_have_read():
    found = sightings("c1", [fell_back("kya scene hai bhai", "greet", 0.22, LATIN_HI), said("paani", "inform", 0.41)])
    assert [(s.reason, s.cell, s.intent, s.confidence) for s in found] == [
        (FALLBACK, "hi-latn", "greet", 0.22),
        (UNSURE, "en", "inform", 0.41),
    ]


def test_two_intents_or_two_complaint_types_close_together_are_in_the_inbox():
    close_types = said(
        "water everywhere on the road after rain",
        "file_complaint",
        complaint_type="WaterLogging",
        complaint_type_ranking=[
            {"value": "WaterLogging", "confidence": 0.5},
            {"value": "BlockOrOverflowingSewage", "confidence": 0.4},
        ],
    )
    close_intents = said("no i want to add something", "deny", 0.7, second=("add_to_complaint", 0.65))
    assert reasons([close_types, close_intents]) == [
        (CLOSE_TYPES, "water everywhere on the road after rain"),
        (CLOSE_INTENTS, "no i want to add something"),
    ]


def test_a_complaint_type_the_citizen_changed_before_filing_labels_their_first_message():
    first = said(
        "the gutter is overflowing near the school", "file_complaint", complaint_type="GarbageNeedsTobeCleared"
    )
    events = [
        first,
        slot("complaint_type", "GarbageNeedsTobeCleared"),
        action("action_ask_confirmed"),
        tapped('/inform{"correction": "complaint_type"}', "inform", correction="complaint_type"),
        tapped('/inform{"complaint_type": "BlockOrOverflowingSewage"}', "inform"),
        slot("complaint_type", "BlockOrOverflowingSewage"),
        tapped("/affirm", "affirm"),
        action("action_submit_complaint"),
    ]
    (found,) = sightings("c1", events)
    assert (found.reason, found.complaint_type, found.right_type) == (
        TYPE_CHANGED,
        "GarbageNeedsTobeCleared",
        "BlockOrOverflowingSewage",
    )
    (entry,) = inbox([found])
    assert entry.suggestion == ("file_complaint", "BlockOrOverflowingSewage", "en")


def test_a_complaint_filed_as_seva_read_it_or_cancelled_without_a_misunderstanding_is_not_in_the_inbox():
    first = said("streetlight off in Model Town", "file_complaint", complaint_type="StreetLightNotWorking")
    filed = [first, slot("complaint_type", "StreetLightNotWorking"), action("action_submit_complaint")]
    cancelled = [first, slot("complaint_type", "StreetLightNotWorking"), said("stop", "stop")]
    assert reasons(filed) == [] and reasons([*cancelled, action("action_cancel_complaint")]) == []


def test_a_did_you_mean_answered_no_and_a_cancel_right_after_a_misunderstanding_point_at_the_message_misread():
    place = said("near the old tanki", "inform", 0.9)
    refused = [place, action("utter_did_you_mean_locality"), tapped("/deny", "deny")]
    misread = fell_back("light wala khamba gir gaya", "greet", 0.25, LATIN_HI)
    cancelled = [misread, action("action_default_fallback"), said("stop", "stop"), action("action_cancel_complaint")]
    assert reasons(refused) == [(DID_YOU_MEAN_NO, "near the old tanki")]
    assert reasons(cancelled) == [(FALLBACK, "light wala khamba gir gaya"), (CANCELLED, "light wala khamba gir gaya")]


def test_the_language_switched_right_after_a_guess_tells_the_cell_the_message_belongs_to():
    guessed = said("gali vich kooda pya hai", "file_complaint", 0.9, language=LATIN_HI)
    events = [guessed, tapped('/choose_language{"language": "pa"}', "choose_language", language="pa")]
    (found,) = sightings("c1", events)
    assert (found.reason, found.cell, found.right_cell) == (LANGUAGE_BACK, "hi-latn", "pa-latn")
    assert inbox([found])[0].suggestion == ("file_complaint", None, "pa-latn")


def test_phone_numbers_complaint_numbers_and_emails_are_masked():
    text = "status of pb pgr 2026 11 02 123, call me on +91 98765 43210 or ravi@example.in"
    assert mask(text) == "status of <complaint number>, call me on <phone> or <email>"
    found = sightings("c1", [said(text, "track_complaint", 0.4)])
    assert "98765" not in found[0].text and "ravi" not in found[0].text


def test_near_copies_are_merged_per_cell_and_the_most_frequent_comes_first():
    once = sightings("a", [said("ਕੋਈ ਗੱਲ ਨਹੀਂ", "deny", 0.4, language=GURMUKHI)])
    thrice = [
        s
        for sender, text in (("b", "kooda nahi chukya"), ("c", "kooda nahi chukya!"), ("d", "koodaa nahi chukya"))
        for s in sightings(sender, [said(text, "inform", 0.45, language=LATIN_HI)])
    ]
    entries = inbox(once + thrice)
    assert [(e.cell, e.count, e.conversations) for e in entries] == [("hi-latn", 3, 3), ("pa", 1, 1)]
    assert entries[0].text == "kooda nahi chukya"


def test_a_message_a_trainer_decided_does_not_come_back():
    found = sightings("a", [said("kooda nahi chukya", "inform", 0.45, language=LATIN_HI)])
    assert inbox(found, decided=[("hi-latn", key_of("Kooda nahi chukya."))]) == []
    assert len(inbox(found, decided=[("pa-latn", key_of("kooda nahi chukya"))])) == 1
