"""Typed town and locality names are matched fuzzily, in any script, and found inside sentences."""

import pytest

from seva.matching import decide, load_gazetteer, normalise


@pytest.fixture(scope="module")
def gazetteer():
    return load_gazetteer()


@pytest.mark.parametrize(
    "typed",
    ["Jalandhar", "jalandher", "jalandhar city", "JALANDHAR!!", "jalandhar 🙏", "ਜਲੰਧਰ", "जालंधर", "jalandhr"],
)
def test_a_town_is_recognised_however_it_is_typed(gazetteer, typed):
    match, _ = decide(gazetteer.rank_cities(typed))
    assert match is not None and match.key == "pb.jalandhar"


@pytest.mark.parametrize(
    "typed, tenant_id",
    [
        ("zirakpur", "pb.zirakpur"),
        ("ਜ਼ੀਰਕਪੁਰ", "pb.zirakpur"),
        ("ਅੰਮ੍ਰਿਤਸਰ", "pb.amritsar"),
        ("bhatinda", "pb.bathinda"),
        ("mandi gobindgarh", "pb.mandigobindgarh"),
    ],
)
def test_corrected_and_common_spellings_match(gazetteer, typed, tenant_id):
    match, _ = decide(gazetteer.rank_cities(typed))
    assert match is not None and match.key == tenant_id


def test_an_unsure_answer_offers_candidates_instead_of_guessing(gazetteer):
    match, candidates = decide(gazetteer.rank_cities("patla"))
    assert match is None
    assert [c.key for c in candidates][:2] == ["pb.patiala", "pb.batala"]
    match, candidates = decide(gazetteer.rank_cities("rampur"))
    assert match is None
    assert {c.key for c in candidates[:2]} == {"pb.rampura", "pb.rampuraphul"}


def test_nonsense_matches_nothing(gazetteer):
    assert decide(gazetteer.rank_cities("qwxz")) == (None, [])
    assert decide(gazetteer.rank_cities("🙂🙂")) == (None, [])


def test_places_are_found_inside_a_sentence(gazetteer):
    sentence = "the streetlight outside my house is dead since a week, Model Town Jalandhar"
    cities = gazetteer.find_cities(sentence)
    assert [(c.key, sentence[c.start : c.end]) for c in cities] == [("pb.jalandhar", "Jalandhar")]
    localities = gazetteer.find_localities("pb.jalandhar", sentence)
    assert [(loc.name, sentence[loc.start : loc.end]) for loc in localities] == [("Model Town", "Model Town")]


def test_common_words_are_not_taken_for_towns(gazetteer):
    assert gazetteer.find_cities("the road near my house has a big pothole since the rain") == []


def test_a_locality_name_used_twice_in_a_town_is_reported_twice(gazetteer):
    assert len(gazetteer.localities_named("pb.jalandhar", "model town")) == 2
    assert len(gazetteer.localities_named("pb.phagwara", "Model Town")) == 1


def test_localities_match_fuzzily_and_by_prefix(gazetteer):
    match, _ = decide(gazetteer.rank_localities("pb.zirakpur", "baltana"))
    assert match is not None and match.name == "Baltana"
    match, _ = decide(gazetteer.rank_localities("pb.amritsar", "ranjeet avenue"))
    assert match is not None and match.name == "Ranjit Avenue"
    match, _ = decide(gazetteer.rank_localities("pb.jalandhar", "basti sheikh"))
    assert match is not None and match.name.startswith("Basti Sheikh")


def test_normalise_keeps_indic_vowel_signs_and_drops_emoji():
    assert normalise("गली में कूड़ा!! 😡") == "गली में कूड़ा"
    assert normalise("ਮੇਰੀ ਗਲੀ ਵਿੱਚ ਕੂੜਾ।") == "ਮੇਰੀ ਗਲੀ ਵਿੱਚ ਕੂੜਾ"


def test_a_huge_message_is_read_only_up_to_whatsapps_limit(gazetteer):
    huge = "garbage near model town jalandhar " * 300_000  # about 10 MB
    assert len(normalise(huge)) <= 4096
    cities = gazetteer.find_cities(huge)
    assert {c.key for c in cities} == {"pb.jalandhar"} and max(c.end for c in cities) <= 4096
