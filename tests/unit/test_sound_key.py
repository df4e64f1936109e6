"""One key for a word however it was written, and messages with their places put aside, as the classifiers read
them."""

import pytest

from components.places import PLACE_MARK, with_places_as
from seva.sound_key import sound_key, word_key


@pytest.mark.parametrize(
    "writings",
    [
        ["ਕੂੜਾ", "कूड़ा", "kooda", "kuda", "kuuda"],
        ["ਨਾਲੀ", "नाली", "naali", "nali"],
        ["ਗੰਦਾ", "गंदा", "ganda", "gandaa"],
        ["ਪਾਣੀ", "पानी", "paani", "pani"],
        ["ਖ਼ਰਾਬ", "ख़राब", "kharab", "kharaab"],
        ["ਸਟਰੀਟ", "स्ट्रीट", "street"],
        ["कचरा", "kachra", "kachara"],
    ],
)
def test_a_word_has_one_key_in_every_way_of_writing_it(writings):
    assert len({word_key(w) for w in writings}) == 1, {w: word_key(w) for w in writings}


def test_different_words_keep_different_keys():
    keys = [word_key(w) for w in ["kooda", "nali", "light", "sadak", "pani", "ਬੱਤੀ", "सीवर"]]
    assert len(set(keys)) == len(keys)


def test_a_message_keeps_its_words_in_order_and_a_word_of_short_vowels_stays_a_word():
    assert sound_key("gali vich kooda") == "gli vich kud"
    assert sound_key("a aa") == "a a"


def test_places_are_read_as_one_mark_each_and_the_rest_stays():
    assert with_places_as("garbage fire behind the mandi, Model Town Jalandhar", PLACE_MARK) == (
        f"garbage fire behind the mandi {PLACE_MARK} {PLACE_MARK}"
    )
    assert with_places_as("ਜਲੰਧਰ ਵਿੱਚ ਕੂੜਾ", "") == "ਵਿੱਚ ਕੂੜਾ"
    assert with_places_as("no place named here", PLACE_MARK) == "no place named here"
