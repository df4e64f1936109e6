"""The guard that keeps training examples apart from the messages we measure on, in either script."""

from scripts.held_apart import by_sound, same_language, too_close


def test_a_training_line_in_gurmukhi_is_a_copy_of_the_same_words_in_latin_letters():
    training, measured = ["ਨਾ ਬਾਈ ਨਾ ਜੀ"], ["na bai na ji"]
    assert too_close(training, measured) == []
    assert too_close(training, measured, key=by_sound) == [("ਨਾ ਬਾਈ ਨਾ ਜੀ", "na bai na ji", 100)]


def test_other_words_in_the_other_script_are_not_a_copy():
    assert too_close(["ਗਲੀ ਵਿੱਚ ਕੂੜਾ ਪਿਆ"], ["sadak toot gayi hai"], key=by_sound) == []


def test_a_language_is_checked_in_both_its_scripts_and_english_in_its_own():
    assert same_language("pa") == ["pa", "pa-latn"]
    assert same_language("hi-latn") == ["hi", "hi-latn"]
    assert same_language("en") == ["en"]
