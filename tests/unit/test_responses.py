"""Every citizen-facing text exists in English, Hindi and Punjabi, in the right script."""

import json
import re
import unicodedata

import pytest

from seva.catalogue import CATALOGUE_DIR
from tests.helpers import SCRIPTS, letters_scripts

LANGUAGE_BUTTONS = {"English", "हिंदी", "ਪੰਜਾਬੀ"}


def variants_by_language(variants):
    by_language = {}
    for variant in variants:
        conditions = variant.get("condition") or []
        language = next((c["value"] for c in conditions if c.get("name") == "language"), "en")
        assert language not in by_language, "two variants for one language"
        by_language[language] = variant
    return by_language


def response_names(domain):
    return sorted(domain["responses"])


def test_every_response_has_exactly_one_variant_per_language(domain):
    for name, variants in domain["responses"].items():
        assert set(variants_by_language(variants)) == {"en", "hi", "pa"}, name


@pytest.mark.parametrize("language", ["en", "hi", "pa"])
def test_each_language_is_written_in_its_own_script(domain, language):
    for name, variants in domain["responses"].items():
        variant = variants_by_language(variants)[language]
        assert letters_scripts(variant["text"]) == {SCRIPTS[language]}, (name, variant["text"])
        for button in variant.get("buttons", []):
            # A title without letters (the stars of a rating) reads the same in every language.
            if button["title"] not in LANGUAGE_BUTTONS:
                assert letters_scripts(button["title"]) in (set(), {SCRIPTS[language]}), (name, button["title"])


def test_translations_keep_the_placeholders_buttons_and_payloads(domain):
    for name, variants in domain["responses"].items():
        by_language = variants_by_language(variants)
        english = by_language["en"]
        for language in ("hi", "pa"):
            variant = by_language[language]
            assert set(re.findall(r"\{\w+\}", variant["text"])) == set(re.findall(r"\{\w+\}", english["text"])), name
            assert [b["payload"] for b in variant.get("buttons", [])] == [
                b["payload"] for b in english.get("buttons", [])
            ], name
            assert all(len(b["title"]) <= 20 for b in variant.get("buttons", [])), name


def test_catalogue_names_exist_in_three_languages_and_scripts():
    names = json.loads((CATALOGUE_DIR / "names.json").read_text(encoding="utf-8"))
    for kind in ("categories", "services", "departments", "statuses", "actions", "languages", "channel"):
        for key, by_language in names[kind].items():
            assert set(by_language) == {"en", "hi", "pa"}, (kind, key)
            for language, text in by_language.items():
                scripts = {unicodedata.name(ch).split()[0] for ch in text if ch.isalpha()}
                assert scripts == {SCRIPTS[language]}, (kind, key, text)


def test_the_check_catches_a_response_in_the_wrong_script():
    assert letters_scripts("Your complaint is filed") == {"LATIN"}
    assert letters_scripts("आपकी शिकायत {number} दर्ज") == {"DEVANAGARI"}
    assert letters_scripts("ਸ਼ਿਕਾਇਤ filed") == {"GURMUKHI", "LATIN"}


def test_no_reply_glues_a_quote_to_a_complaint_number(domain):
    """A number a citizen copies from a reply must come away whole, without a quote stuck to it."""
    for name, variants in domain["responses"].items():
        for variant in variants:
            assert not re.search(r"[\"'“”‘’]\{number\}|\{number\}[\"'“”‘’]", variant.get("text", "")), name
