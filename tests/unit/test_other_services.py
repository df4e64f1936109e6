"""Other government services than the town's are told where to go, in the citizen's language, with no form."""

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionOtherService
from seva.other_services import load_other_services
from tests.helpers import tracker


@pytest.mark.parametrize(
    "text, kind",
    [
        ("my electricity bill is too high this month, PSPCL", "electricity"),
        ("ghar di bijli 2 din ton nahi aayi, transformer kharab", "electricity"),
        ("मेरा राशन कार्ड अभी तक नहीं बना", "ration"),
        ("ਮੇਰਾ ਰਾਸ਼ਨ ਕਾਰਡ ਨਹੀਂ ਬਣਿਆ", "ration"),
        ("property tax kithe bharna hai", "property_tax"),
        ("birth certificate kaise banega", "certificates"),
        ("budhapa pension 3 mahine se nahi aayi", "pension"),
        ("someone stole my bike, need to file FIR", "police"),
        ("train 2 ghante late hai", "railways"),
        ("ambulance chahiye jaldi", "health"),
    ],
)
def test_the_kind_of_service_is_told_by_its_words_in_every_script(text, kind):
    assert load_other_services().kind_of(text) == kind


def test_a_word_is_matched_whole_not_inside_another():
    assert load_other_services().kind_of("the streetlight is off") is None


@pytest.mark.parametrize("text", ["my ration card is not made", "can you help me with something"])
def test_the_citizen_is_told_where_to_go_and_every_answer_exists_in_three_languages(domain, text):
    dispatcher = CollectingDispatcher()
    assert ActionOtherService().run(dispatcher, tracker(text, "other_service"), domain) == []
    [said] = dispatcher.messages
    variants = domain["responses"][said["response"]]
    assert {v.get("condition", [{}])[0].get("value", "en") for v in variants} == {"en", "hi", "pa"}


def test_every_kind_has_its_answer(domain):
    for kind in list(load_other_services().kinds) + ["other"]:
        assert f"utter_where_to_go_{kind}" in domain["responses"]
