"""The staff console's words: every text in English, Hindi and Punjabi, in the right script and with the same
placeholders; every text a page asks for exists; every response template staff can pick speaks all three
languages and goes with an action staff take."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Dict, Iterable, Set

import pytest

from seva import handovers
from seva.catalogue import LANGUAGES
from seva.citizens import START, STOP
from seva.models import ComplaintEvent
from seva.responses import load_responses
from seva.review import REASONS
from seva.workflow import STAFF_ACTIONS, STAFF_ROLES, TRANSITIONS
from staff.console import pages, review
from staff.console.texts import TEXTS_FILE, load_texts
from tests.helpers import SCRIPTS, letters_scripts
from trainer import training_data

TEMPLATES_DIR = Path(pages.__file__).resolve().parent / "templates"
TEXTS: Dict[str, Dict[str, str]] = json.loads(TEXTS_FILE.read_text(encoding="utf-8"))["texts"]
# Latin words the console keeps in every language, beside those of the citizens' replies (LATIN_ANYWHERE).
CONSOLE_LATIN = re.compile(r"\bCSV\b")
PLACEHOLDER = re.compile(r"%.")
# The values each `t['prefix_' + x]` of the templates can be given.
PREFIXED = {
    "role_": STAFF_ROLES,
    "language_": LANGUAGES,
    "tab_": tuple(pages.TABS),
    "action_": tuple(a for a in TRANSITIONS),
    "comment_for_": STAFF_ACTIONS,
    # Guarded by `in t` in complaint.html; the channels complaints come in by (connectors/, whatsapp_cloud/).
    "channel_": ("whatsapp", "rest"),
    # signin.html: the sign-in form's own refusal, and seva.staff.SignInRefused's reasons.
    "sign_in_": ("csrf", "credentials", "locked"),
    # handover.html: who said a line, an operator's reply's state, how a hand-over ended; complaint.html: a stop.
    "author_": (handovers.CITIZEN, handovers.SEVA, handovers.OPERATOR),
    "reply_": (handovers.PENDING, handovers.SENT, handovers.FAILED),
    "handover_": (handovers.HANDED_BACK, handovers.TIMED_OUT),
    "updates_": (STOP, START),
    # review.html: why a message is in the review inbox, and what was just done with one.
    "reason_": REASONS,
    "review_done_": (review.ACCEPT, review.DISCARD),
}
# Refusals a staff member can meet on the complaint page (pages.act shows `refused_<reason>`); the workflow's
# others are answered before it asks (city: a 404 page, unknown_action: 422) or are a citizen's (rating, reopening).
STAFF_REFUSALS = (
    "comment_required",
    "assignee_required",
    "assignee",
    "status",
    "role",
    "not_assigned_to_you",
    "template",
)


def scripts(text: str) -> Set[str]:
    return letters_scripts(PLACEHOLDER.sub(" ", CONSOLE_LATIN.sub(" ", text)))


def templates_source() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(TEMPLATES_DIR.glob("*.html")))


# texts.json


def test_the_texts_file_loads_as_the_console_loads_it():
    texts = load_texts()
    assert set(texts.texts) == set(TEXTS)
    for language in LANGUAGES:
        assert set(texts.of(language)) == set(TEXTS)


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_every_text_is_in_english_hindi_and_punjabi_with_the_same_placeholders(key):
    by_language = TEXTS[key]
    assert set(by_language) == set(LANGUAGES), key
    assert all(isinstance(v, str) and v.strip() == v and v for v in by_language.values()), key
    english = PLACEHOLDER.findall(by_language["en"])
    for language in LANGUAGES:
        assert PLACEHOLDER.findall(by_language[language]) == english, (key, language)
        # A text with placeholders is formatted: it must take the English arguments.
        if english:
            arguments = tuple(1 if p == "%d" else "x" for p in english)
            assert by_language[language] % arguments


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_is_written_in_its_own_script(language):
    for key, by_language in TEXTS.items():
        if key.startswith("language_"):
            continue
        found = scripts(by_language[language])
        # A text of brand words only ("Seva") may stay in Latin letters; any other is in the language's script.
        allowed = ({SCRIPTS[language]},) if scripts(by_language["en"]) else (set(), {SCRIPTS[language]})
        assert found in allowed, (key, by_language[language])


def test_each_language_is_named_in_its_own_script_whatever_the_page_language():
    for code in LANGUAGES:
        names = TEXTS[f"language_{code}"]
        assert len(set(names.values())) == 1, names
        name = names["en"]
        assert letters_scripts(name) in (set(), {SCRIPTS[code]}), name
        assert {ch for ch in name if ch.isalpha()}, name


def test_the_hindi_and_punjabi_texts_are_translations_not_copies():
    for key, by_language in TEXTS.items():
        if key.startswith("language_") or not scripts(by_language["en"]):
            continue
        assert by_language["hi"] != by_language["en"] and by_language["pa"] != by_language["en"], key
        assert by_language["hi"] != by_language["pa"], key


# The templates' texts


def used_keys(source: str) -> Dict[str, Set[str]]:
    """The texts the templates name outright (`t.key`, `t['key']`) and the prefixes of those they build."""
    plain = set(re.findall(r"(?<![\w.])t\.([A-Za-z_]\w*)", source))
    plain |= set(re.findall(r"(?<![\w.])t\[\s*'(\w+)'\s*\]", source))
    prefixes = set(re.findall(r"(?<![\w.])t\[\s*'(\w+)'\s*\+", source))
    return {"plain": plain, "prefixes": prefixes}


def test_the_key_finder_finds_the_forms_the_templates_use():
    found = used_keys("{{ t.app_name }} {{ t['tab_' + tab] }} {{ t['photos'] }} {{ at.x }} {{ c.t.y }}")
    assert found == {"plain": {"app_name", "photos"}, "prefixes": {"tab_"}}


def test_every_text_a_template_names_exists():
    missing = sorted(used_keys(templates_source())["plain"] - set(TEXTS))
    assert missing == []


def test_every_text_a_template_builds_exists_for_every_value():
    prefixes = used_keys(templates_source())["prefixes"]
    assert prefixes <= set(PREFIXED), f"a template builds texts of a prefix this test does not know: {prefixes}"
    assert prefixes, "the templates build no text: the finder is broken"
    missing = sorted(prefix + value for prefix in prefixes for value in PREFIXED[prefix] if prefix + value not in TEXTS)
    assert missing == []


def keys_pages_pass(source: str) -> Iterable[str]:
    """The texts pages.py hands to a template by name: error pages and the complaint page's problems."""
    yield from re.findall(r'ConsoleError\(\d+, "(\w+)"\)', source)
    yield from re.findall(r'error_page\(request, \d+, "(\w+)"\)', source)
    yield from re.findall(r'_complaint_page\(request, view, "(\w+)"', source)


def test_every_text_pages_py_names_exists_and_every_staff_refusal_has_its_own():
    source = Path(pages.__file__).read_text(encoding="utf-8")
    named = set(keys_pages_pass(source))
    assert {"error_not_found", "error_invalid", "error_csrf", "error_database", "error_photo"} <= named
    assert sorted(named - set(TEXTS)) == []
    assert sorted(f"refused_{reason}" for reason in STAFF_REFUSALS if f"refused_{reason}" not in TEXTS) == []
    assert "refused_other" in TEXTS


def test_every_text_the_review_page_names_exists_and_every_refusal_of_an_example_has_its_own():
    named = set(keys_pages_pass(Path(review.__file__).read_text(encoding="utf-8")))
    assert {"error_invalid", "review_gone", "review_no_guess"} <= named
    assert sorted(named - set(TEXTS)) == []
    refusals = (training_data.NO_CELL, training_data.NO_WORDS, training_data.ALREADY_THERE, training_data.MEASURED)
    assert sorted(f"review_refused_{r}" for r in refusals if f"review_refused_{r}" not in TEXTS) == []


# Response templates


RESPONSES = load_responses().templates


def test_there_are_response_templates_and_each_code_fits_the_history():
    assert RESPONSES
    longest = ComplaintEvent.__table__.c.template.type.length
    for code in RESPONSES:
        assert re.fullmatch(r"[a-z]+\.[a-z_]+", code) and len(code) <= longest, code


@pytest.mark.parametrize("code", sorted(RESPONSES))
def test_a_response_template_speaks_three_languages_each_in_its_script(code):
    template = RESPONSES[code]
    assert set(template.texts) == set(LANGUAGES)
    for language in LANGUAGES:
        said = template.texts[language]
        assert said.strip() == said and said, (code, language)
        assert letters_scripts(said) == {SCRIPTS[language]}, (code, language, said)
        # What staff pick in their language is what the citizen hears in theirs.
        assert template.text(language) == said
    assert len(set(template.texts.values())) == len(LANGUAGES), code


def test_a_response_template_goes_with_actions_staff_take_and_every_such_action_has_one():
    for code, template in RESPONSES.items():
        assert template.actions and set(template.actions) <= set(STAFF_ACTIONS), (code, template.actions)
        assert len(set(template.actions)) == len(template.actions), code
    responses = load_responses()
    # A merge's own message tells the citizen which complaint they follow now: it takes no template.
    assert not responses.for_action("MERGE")
    for action in set(STAFF_ACTIONS) - {"MERGE"}:
        assert responses.for_action(action), f"no response template for {action}"
        for template in responses.for_action(action):
            assert responses.fits(template.code, action)
    assert not responses.fits(next(iter(RESPONSES)), "APPLY")
