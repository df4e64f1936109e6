"""Words that answer Seva's questions alike in every script (catalogue/skip_words.json): a skip of an optional
question is "skip" as much as ਛੱਡੋ, छोड़ें or chhado."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import FrozenSet

from seva.catalogue import CATALOGUE_DIR
from seva.matching import normalise


@lru_cache(maxsize=1)
def skip_words() -> FrozenSet[str]:
    data = json.loads((CATALOGUE_DIR / "skip_words.json").read_text(encoding="utf-8"))
    return frozenset(normalise(word) for word in data["words"])


def is_skip_word(text: str) -> bool:
    """Whether the whole message says to skip the question."""
    return normalise(text) in skip_words()
