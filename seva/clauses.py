"""A citizen's message cut into the parts that may each tell a problem (catalogue/clause_breaks.json), so that a
second problem in the same message can be found and offered once the first is filed."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import FrozenSet, List, Pattern

from seva.catalogue import CATALOGUE_DIR
from seva.matching import normalise

# Sentence ends in the three scripts (the danda and double danda too), and line breaks.
_SENTENCE_END = re.compile(r"[.!?;\n\u0964\u0965]+")


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads((CATALOGUE_DIR / "clause_breaks.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _additions() -> FrozenSet[str]:
    return frozenset(normalise(word) for word in _data()["additions"])


@lru_cache(maxsize=1)
def _breaks() -> Pattern[str]:
    data = _data()
    # Longer phrases first, so that "aur bhi" is cut as one and not as "aur".
    words = sorted({normalise(w) for w in data["words"]}, key=len, reverse=True)
    return re.compile(r"(?:^| )(?:" + "|".join(re.escape(w) for w in words) + r")(?= |$)")


def clauses(text: str) -> List[str]:
    """The message's parts, normalised, in order; a message with no break is one part."""
    parts: List[str] = []
    for sentence in _SENTENCE_END.split(text or ""):
        parts += [p.strip() for p in _breaks().split(normalise(sentence)) if p.strip()]
    return parts


def adds(part: str) -> bool:
    """Whether a part says it adds to what came before ("kooda bhi pada h", "the road is broken too")."""
    words = part.split()
    return any(" ".join(words[i : i + n]) in _additions() for n in (1, 2) for i in range(len(words)))
