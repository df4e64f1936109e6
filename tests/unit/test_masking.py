"""Citizens' numbers as staff and logs see them, and the words that stop and start updates in every script."""

import pytest

from seva.answers import is_start_word, is_stop_word
from seva.masking import actor_for, masked, number_for

NUMBER = "919876543210"


def test_a_number_keeps_its_country_code_and_last_three_digits():
    assert masked(NUMBER) == "91•••••••210"
    assert masked("rest:ravi-42") == "rest:ra••-42"
    assert masked("123") == "•••"


def test_the_number_is_whole_only_to_the_staff_member_the_complaint_is_assigned_to():
    assert number_for("lme.ravi", "lme.ravi", NUMBER) == NUMBER
    assert number_for("gro.harpreet", "lme.ravi", NUMBER) == masked(NUMBER)
    assert number_for(None, None, NUMBER) == masked(NUMBER)
    assert number_for("gro.harpreet", None, NUMBER) == masked(NUMBER)


def test_the_citizens_own_history_entries_follow_the_same_rule_and_staff_entries_stay():
    assert actor_for("gro.harpreet", "lme.ravi", NUMBER, f"citizen:{NUMBER}") == f"citizen:{masked(NUMBER)}"
    assert actor_for("lme.ravi", "lme.ravi", NUMBER, f"citizen:{NUMBER}") == f"citizen:{NUMBER}"
    assert actor_for("gro.harpreet", "lme.ravi", NUMBER, "staff:lme.ravi") == "staff:lme.ravi"


@pytest.mark.parametrize("word", ["stop", "STOP", "Stop!", "ਬੰਦ", "बंद", "band", "bandh karo", "ਬੰਦ ਕਰੋ"])
def test_a_stop_word_alone_stops_updates(word):
    assert is_stop_word(word)


@pytest.mark.parametrize("words", ["stop the drain overflowing", "light band hai", "bandh gali"])
def test_a_stop_word_inside_a_complaint_does_not(words):
    assert not is_stop_word(words)


@pytest.mark.parametrize("word", ["start", "START", "ਸ਼ੁਰੂ", "शुरू", "shuru karo"])
def test_a_start_word_alone_starts_them_again(word):
    assert is_start_word(word)
