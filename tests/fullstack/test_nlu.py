"""The NLU contract that other parts of Seva rely on, checked on the real trained model (`/model/parse`'s output)."""

import asyncio

import pytest


@pytest.fixture(scope="session")
def parse(trained_model):
    from rasa.core.agent import Agent

    agent = Agent.load(str(trained_model))

    def parse_text(text):
        result = asyncio.run(agent.parse_message(text))
        result["values"] = {e["entity"]: e["value"] for e in result["entities"]}
        return result

    return parse_text


def test_a_complaint_in_one_sentence_gives_type_town_and_locality(parse):
    result = parse("the streetlight outside my house is dead since a week, Model Town Jalandhar")
    assert result["intent"]["name"] == "file_complaint"
    assert result["values"] == {
        "complaint_type": "StreetLightNotWorking",
        "city": "pb.jalandhar",
        "locality": "Model Town",
    }


@pytest.mark.parametrize(
    "text, service",
    [
        ("garbage has not been picked up from our street for 5 days", "GarbageNeedsTobeCleared"),
        ("no water in the taps since yesterday morning", "NoWaterSupply"),
        ("huge potholes on the main road", "DamagedRoad"),
        ("manhole lid is missing near the school, very dangerous", "ManholeCoverMissingOrDamaged"),
        ("stray dogs bit a child in our colony", "StrayAnimals"),
    ],
)
def test_the_complaint_type_is_the_pgr_service_code(parse, text, service):
    result = parse(text)
    assert result["intent"]["name"] == "file_complaint"
    assert result["values"].get("complaint_type") == service


def test_a_misspelt_town_is_normalised_to_its_tenant_id(parse):
    assert parse("garbage lying near bus stand jalandher")["values"]["city"] == "pb.jalandhar"


def test_a_complaint_number_is_extracted_as_written_and_upper_cased(parse):
    result = parse("what is the status of pb-pgr-2026-11-02-000123")
    assert result["intent"]["name"] == "track_complaint"
    assert result["values"] == {"complaint_id": "PB-PGR-2026-11-02-000123"}


def test_a_language_is_normalised_to_its_code(parse):
    result = parse("please talk to me in punjabi")
    assert result["intent"]["name"] == "choose_language"
    assert result["values"]["language"] == "pa"


def test_messages_that_are_not_complaints_carry_no_complaint_type(parse):
    for text in ["hi", "thank you so much", "my complaints", "yes", "cancel"]:
        assert "complaint_type" not in parse(text)["values"], text


@pytest.mark.parametrize("text", ["🙏", "👍👍👍", "?!", "x" * 3000, "   "])
def test_odd_input_is_parsed_without_error(parse, text):
    result = parse(text)
    assert "intent" in result and isinstance(result["entities"], list)


@pytest.mark.parametrize(
    "text, service, city",
    [
        ("ਮੇਰੀ ਗਲੀ ਵਿੱਚ ਕੂੜਾ ਪਿਆ ਹੈ ਜਲੰਧਰ", "GarbageNeedsTobeCleared", "pb.jalandhar"),
        ("गली में कूड़ा पड़ा है जालंधर", "GarbageNeedsTobeCleared", "pb.jalandhar"),
        ("gali vich kooda pya hai jalandhar", "GarbageNeedsTobeCleared", "pb.jalandhar"),
        ("gali mein kachra pada hai jalandher", "GarbageNeedsTobeCleared", "pb.jalandhar"),
        ("ਅੰਮ੍ਰਿਤਸਰ ਵਿੱਚ ਸਟ੍ਰੀਟ ਲਾਈਟ ਬੰਦ ਹੈ", "StreetLightNotWorking", "pb.amritsar"),
        ("पटियाला में तीन दिन से पानी नहीं आ रहा", "NoWaterSupply", "pb.patiala"),
    ],
)
def test_the_same_values_come_out_whatever_the_language_and_script(parse, text, service, city):
    result = parse(text)
    assert result["intent"]["name"] == "file_complaint"
    assert (result["values"].get("complaint_type"), result["values"].get("city")) == (service, city)


@pytest.mark.parametrize(
    "text, language",
    [
        ("ਮੇਰੀ ਗਲੀ ਵਿੱਚ ਕੂੜਾ ਪਿਆ ਹੈ", "pa"),
        ("गली में कूड़ा पड़ा है", "hi"),
        ("gali mein kachra pada hai", "hi"),
        ("gali vich kooda pya hai", "pa"),
        ("there is garbage in my street", "en"),
    ],
)
def test_the_language_of_a_message_is_guessed_in_every_script(parse, text, language):
    assert parse(text)["language_guess"]["language"] == language


@pytest.mark.parametrize(
    "text, language", [("ਪੰਜਾਬੀ ਵਿੱਚ", "pa"), ("hindi mein baat karo", "hi"), ("change language to english", "en")]
)
def test_asking_for_a_language_in_any_script(parse, text, language):
    result = parse(text)
    assert result["intent"]["name"] == "choose_language" and result["values"]["language"] == language
