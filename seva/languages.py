"""The languages Seva speaks and the words citizens use to name them."""

from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from seva.catalogue import CATALOGUE_DIR, LANGUAGES
from seva.matching import word_spans


@lru_cache(maxsize=1)
def _names() -> Dict[str, str]:
    data = json.loads((CATALOGUE_DIR / "languages.json").read_text(encoding="utf-8"))
    return {name: code for code in LANGUAGES for name in data[code]}


def language_names_in(text: str) -> List[Tuple[str, int, int]]:
    """(language code, start, end) of every language named in the text."""
    names = _names()
    return [(names[word], start, end) for word, start, end in word_spans(text) if word in names]


# A script says the language at once: Devanagari is read as Hindi, Gurmukhi as Punjabi.
_SCRIPT_LANGUAGES = {"DEVANAGARI": "hi", "GURMUKHI": "pa"}


def language_of_script(text: str) -> Optional[str]:
    """Hindi or Punjabi when the text is written in their script, else None (Latin letters say nothing sure)."""
    for ch in text:
        if ch.isalpha():
            language = _SCRIPT_LANGUAGES.get(unicodedata.name(ch, "").split(" ")[0])
            if language:
                return language
    return None
