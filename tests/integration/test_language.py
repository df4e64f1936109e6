"""The language Seva answers in: the citizen's choice, else the language of what they write, kept between
conversations; Devanagari and Gurmukhi decide at once, Latin letters only on a confident guess."""

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionSetLanguage, ActionUpdateLanguage
from components.language import script_of
from tests.helpers import DOWN_DATABASE_URL, services_on, tracker


@pytest.fixture
def citizens(services):
    return services.citizens


def updater(services):
    """ActionUpdateLanguage run on a tracker: (slots set, responses, the dispatcher)."""

    def update(t):
        dispatcher = CollectingDispatcher()
        events = ActionUpdateLanguage(services).run(dispatcher, t, {})
        return {e["name"]: e["value"] for e in events}, [m["response"] for m in dispatcher.messages], dispatcher

    return update


@pytest.fixture
def update(services):
    return updater(services)


def guess(language, script, confidence=1.0):
    return {"language": language, "script": script, "confidence": confidence}


def message(text, language_guess, **kwargs):
    t = tracker(text, "file_complaint", **kwargs)
    t.latest_message["language_guess"] = language_guess
    return t


@pytest.mark.parametrize(
    "text, script",
    [
        ("गली में कूड़ा", "DEVANAGARI"),
        ("ਗਲੀ ਵਿੱਚ ਕੂੜਾ", "GURMUKHI"),
        ("gali vich kooda", "LATIN"),
        ("🙏🙏 123", None),
        ("ok ਜੀ ਕੂੜਾ ਪਿਆ", "GURMUKHI"),
    ],
)
def test_the_script_of_a_message(text, script):
    assert script_of(text) == script


def test_a_new_citizen_writing_gurmukhi_is_answered_in_punjabi_and_remembered(citizens, update):
    slots, messages, _ = update(message("ਗਲੀ ਵਿੱਚ ਕੂੜਾ ਪਿਆ ਹੈ", guess("pa", "gurmukhi"), sender_id="new-1"))
    assert slots["language"] == "pa" and slots["language_chosen"] is False
    assert messages == []
    assert citizens.language_of("new-1").language == "pa"


def test_a_confident_latin_guess_switches_and_offers_english_in_the_language_read_so_far(citizens, update):
    slots, messages, dispatcher = update(message("gali mein kachra pada hai", guess("hi", "latin", 0.93)))
    assert slots["language"] == "hi"
    assert messages == ["utter_language_guessed"]
    assert dispatcher.messages[0]["language_name"] == "Hindi"


def test_a_short_or_unsure_latin_message_does_not_switch(citizens, update):
    slots, _, _ = update(message("haan ji", guess("hi", "latin", 0.95)))
    assert slots.get("language", "en") == "en"
    slots, _, _ = update(message("mera complaint status dikhao please", guess("hi", "latin", 0.55)))
    assert slots.get("language", "en") == "en"


def test_romanized_punjabi_does_not_drift_to_hindi_on_a_short_phrase_both_share(update):
    punjabi = {"language": "pa", "language_chosen": False}
    slots, messages, _ = update(message("haan ji kar do", guess("hi", "latin", 0.9), slots=punjabi))
    assert slots.get("language", "pa") == "pa" and messages == []
    long = "mere ghar ke saamne wali gali mein teen din se kachra pada hua hai"
    slots, _, _ = update(message(long, guess("hi", "latin", 0.97), slots=punjabi))
    assert slots["language"] == "hi"


def test_an_explicit_choice_wins_over_the_script_and_lasts_into_the_next_conversation(services, update):
    dispatcher = CollectingDispatcher()
    events = ActionSetLanguage(services).run(
        dispatcher,
        tracker(
            "/choose_language", "choose_language", entities=[{"entity": "language", "value": "en"}], sender_id="chooser"
        ),
        {},
    )
    assert {e["name"]: e["value"] for e in events} == {"language": "en", "language_chosen": True}

    slots, _, _ = update(
        message(
            "ਗਲੀ ਵਿੱਚ ਕੂੜਾ ਪਿਆ ਹੈ",
            guess("pa", "gurmukhi"),
            sender_id="chooser",
            slots={"language": "en", "language_chosen": True},
        )
    )
    assert "language" not in slots

    # A new conversation: the slots are empty again, the choice comes back from the database.
    slots, _, _ = update(
        message("ਗਲੀ ਵਿੱਚ ਕੂੜਾ ਪਿਆ ਹੈ", guess("pa", "gurmukhi"), sender_id="chooser", slots={"language_chosen": None})
    )
    assert slots == {"language": "en", "language_chosen": True}


def test_a_guess_does_not_overwrite_a_stored_choice(citizens, update):
    citizens.remember_language("c", "pa", chosen=True)
    citizens.remember_language("c", "hi", chosen=False)
    assert citizens.language_of("c").language == "pa" and citizens.language_of("c").chosen


def test_the_database_being_down_does_not_stop_the_conversation():
    update = updater(services_on(DOWN_DATABASE_URL))
    slots, _, _ = update(message("गली में कूड़ा पड़ा है", guess("hi", "devanagari"), slots={"language_chosen": None}))
    assert slots["language"] == "hi"
