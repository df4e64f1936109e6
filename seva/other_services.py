"""Government services that are not the town's to fix (catalogue/other_services.json): electricity at home,
ration cards, property tax, certificates, pensions, the police, railways, hospitals. A citizen who asks Seva about
one is told where to go; the words that name each kind, in all five ways of writing, tell which."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping, Optional, Pattern

from seva.catalogue import CATALOGUE_DIR
from seva.matching import normalise

OTHER_SERVICES_FILE = CATALOGUE_DIR / "other_services.json"


@dataclass(frozen=True)
class OtherServices:
    # Per kind, one pattern of its words, matched whole in the normalised message.
    kinds: Mapping[str, Pattern[str]]

    @classmethod
    def load(cls) -> OtherServices:
        with OTHER_SERVICES_FILE.open(encoding="utf-8") as f:
            data = json.load(f)
        return cls(
            {
                kind: re.compile(
                    # Whole words: normalised text is words between single spaces (\b would split at vowel signs).
                    r"(?:^|(?<= ))(?:"
                    + "|".join(re.escape(normalise(w)) for w in sorted(words, key=len, reverse=True))
                    + r")(?= |$)"
                )
                for kind, words in data["kinds"].items()
            }
        )

    def kind_of(self, text: str) -> Optional[str]:
        """The kind of service the text names most often (the first listed on a tie), or None."""
        typed = normalise(text)
        counts = {kind: len(pattern.findall(typed)) for kind, pattern in self.kinds.items()}
        best = max(counts, key=lambda kind: counts[kind], default=None)
        return best if best is not None and counts[best] else None


@lru_cache(maxsize=1)
def load_other_services() -> OtherServices:
    return OtherServices.load()
