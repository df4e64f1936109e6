"""Words that answer Seva's questions alike in every script: a skip of an optional question is "skip" as much as
ਛੱਡੋ, छोड़ें or chhado (catalogue/skip_words.json); the place to change at the summary is "place" as much as ਥਾਂ,
जगह or jagah (catalogue/correction_words.json); updates stop with "stop" as much as ਬੰਦ, बंद or band, and start again
with "start", ਸ਼ੁਰੂ, शुरू or shuru (catalogue/update_words.json)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Dict, FrozenSet, Optional

from seva.catalogue import CATALOGUE_DIR
from seva.matching import normalise

CHANGE = "change"


@lru_cache(maxsize=1)
def skip_words() -> FrozenSet[str]:
    data = json.loads((CATALOGUE_DIR / "skip_words.json").read_text(encoding="utf-8"))
    return frozenset(normalise(word) for word in data["words"])


def is_skip_word(text: str) -> bool:
    """Whether the whole message says to skip the question."""
    return normalise(text) in skip_words()


@lru_cache(maxsize=1)
def _correction_words() -> Dict[str, FrozenSet[str]]:
    data = json.loads((CATALOGUE_DIR / "correction_words.json").read_text(encoding="utf-8"))
    return {field: frozenset(normalise(w) for w in words) for field, words in data.items() if field != "about"}


def correction_named(text: str) -> Optional[str]:
    """The part of the complaint the message names to change (complaint_type, city, locality, ...), or None."""
    words = set(normalise(text).split())
    fields = {field: names for field, names in _correction_words().items() if field != CHANGE}
    return next((field for field, names in fields.items() if words & names), None)


def says_change(text: str) -> bool:
    """Whether the message says to change or correct something ("badlo", "ਗਲਤ", "wrong")."""
    return bool(set(normalise(text).split()) & _correction_words()[CHANGE])


@lru_cache(maxsize=1)
def _update_words() -> Dict[str, FrozenSet[str]]:
    data = json.loads((CATALOGUE_DIR / "update_words.json").read_text(encoding="utf-8"))
    return {kind: frozenset(normalise(w) for w in data[kind]) for kind in ("stop", "start")}


def is_stop_word(text: str) -> bool:
    """Whether the whole message is a word that stops the updates ("stop", ਬੰਦ, बंद, band)."""
    return normalise(text) in _update_words()["stop"]


def is_start_word(text: str) -> bool:
    """Whether the whole message is a word that starts the updates again ("start", ਸ਼ੁਰੂ, शुरू, shuru)."""
    return normalise(text) in _update_words()["start"]
