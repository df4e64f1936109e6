"""Fuzzy matching of typed place names against the gazetteer, in any of the three scripts.

Two uses: an *answer* ("jalandher", "jalandhar city") is compared as a whole with every known name, and a
*sentence* ("streetlight dead since a week, Model Town Jalandhar") is scanned for word runs that name a place.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from rapidfuzz import fuzz, process

from seva.catalogue import Catalogue, load_catalogue
from seva.text import MAX_READ

# Words people add around a place name that are not part of it.
_FILLER = frozenset("the in at near of my our is its it's it area ka ki ke da di de me mein vich se".split())
# ...and, around a town's name only, words for a town ("Model Town" is a locality).
_CITY_FILLER = _FILLER | frozenset("city town mc municipal corporation council".split())

# An answer scoring at least SURE (and clearly ahead of the next) is taken; from MAYBE up we ask "Did you mean?".
SURE = 86.0
MAYBE = 70.0
_MARGIN = 6.0
_MAX_WORDS = 5


def normalise(text: str) -> str:
    """Case-folded words with punctuation, symbols and emoji turned into spaces (vowel signs are kept)."""
    text = unicodedata.normalize("NFC", text[:MAX_READ]).casefold()
    kept = [" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in text]
    return " ".join("".join(kept).split())


def _strip_filler(words: Sequence[str], filler: frozenset = _FILLER) -> str:
    return " ".join(w for w in words if w not in filler)


@dataclass(frozen=True)
class Match:
    key: str  # tenant id of a city, or the code of a locality
    name: str  # the English name, for the citizen to recognise
    score: float
    start: int = 0  # character span in the text a sentence match was found in
    end: int = 0


class _NameIndex:
    """All spellings of a set of places, normalised, each pointing back to its place."""

    def __init__(self, entries: Iterable[Tuple[str, str, str]], filler: frozenset = _FILLER):
        # entries: (key, display name, a spelling)
        self.filler = filler
        self.choices: List[str] = []
        self.keys: List[Tuple[str, str]] = []
        for key, display, spelling in entries:
            norm = _strip_filler(normalise(spelling).split(), filler)
            if norm:
                self.choices.append(norm)
                self.keys.append((key, display))

    def rank(self, query: str, limit: int = 5) -> List[Match]:
        """Best matches of a whole answer, one per place."""
        query = _strip_filler(normalise(query).split(), self.filler)
        if not query or not self.choices:
            return []
        best: Dict[str, Match] = {}
        for _, score, i in process.extract(query, self.choices, scorer=_score, limit=limit * 4):
            key, display = self.keys[i]
            if key not in best or best[key].score < score:
                best[key] = Match(key, display, score)
        return sorted(best.values(), key=lambda m: -m.score)[:limit]

    def scan(self, text: str) -> List[Match]:
        """Places named by a run of words inside a sentence, best and longest first, without overlaps."""
        spans = word_spans(text)
        found: List[Match] = []
        for n in range(min(_MAX_WORDS, len(spans)), 0, -1):
            for i in range(len(spans) - n + 1):
                run = spans[i : i + n]
                query = " ".join(w for w, _, _ in run)
                if query in self.filler or len(query) < 3:
                    continue
                hit = process.extractOne(query, self.choices, scorer=fuzz.ratio, score_cutoff=_needed(query))
                if hit:
                    key, display = self.keys[hit[2]]
                    found.append(Match(key, display, hit[1], run[0][1], run[-1][2]))
        chosen: List[Match] = []
        for match in sorted(found, key=lambda m: (-round(m.score), -(m.end - m.start))):
            if all(match.end <= c.start or match.start >= c.end for c in chosen):
                chosen.append(match)
        return chosen


def _score(query: str, choice: str, **kwargs) -> float:
    """Whole-answer score: fuzzy ratio (also without spaces: "modeltown"), with a typed prefix of a longer name
    counted as a near match."""
    score = max(fuzz.ratio(query, choice), fuzz.ratio(query.replace(" ", ""), choice.replace(" ", "")))
    if len(query) >= 4 and choice.startswith(query):
        score = max(score, 90.0)
    return score


def _needed(query: str) -> float:
    """How close a word run must be to count as a place name: short words must match exactly."""
    if len(query) <= 5:
        return 100.0
    if len(query) <= 7:
        return 90.0
    return 85.0


def word_spans(text: str) -> List[Tuple[str, int, int]]:
    """Normalised words of the text with their character spans in the original."""
    spans = []
    start = None
    for i, ch in enumerate(text[:MAX_READ] + " "):
        sep = unicodedata.category(ch)[0] in "PSZC"
        if not sep and start is None:
            start = i
        elif sep and start is not None:
            spans.append((normalise(text[start:i]), start, i))
            start = None
    return spans


def decide(matches: List[Match]) -> Tuple[Optional[Match], List[Match]]:
    """(the match to take, or None; the candidates to offer when unsure)."""
    if not matches or matches[0].score < MAYBE:
        return None, []
    top = matches[0]
    runner_up = matches[1].score if len(matches) > 1 else 0.0
    if top.score >= SURE and (top.score - runner_up >= _MARGIN or top.score == 100.0 and runner_up < 100.0):
        return top, []
    return None, [m for m in matches if m.score >= MAYBE][:3]


class Gazetteer:
    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self._cities = _NameIndex(
            (
                (city.tenant_id, city.name("en"), spelling)
                for city in catalogue.cities.values()
                for spelling in set(city.names.values())
            ),
            filler=_CITY_FILLER,
        )
        self._localities = {
            tenant_id: _NameIndex(
                (loc.code, loc.name_en, spelling) for loc in localities for spelling in set(loc.names.values())
            )
            for tenant_id, localities in catalogue.localities.items()
        }

    def rank_cities(self, answer: str) -> List[Match]:
        return self._cities.rank(answer)

    def find_cities(self, sentence: str) -> List[Match]:
        return self._cities.scan(sentence)

    def rank_localities(self, tenant_id: str, answer: str) -> List[Match]:
        index = self._localities.get(tenant_id)
        return index.rank(answer) if index else []

    def find_localities(self, tenant_id: str, sentence: str) -> List[Match]:
        index = self._localities.get(tenant_id)
        return index.scan(sentence) if index else []

    def localities_named(self, tenant_id: str, name: str) -> List[str]:
        """Codes of every locality of the city with exactly this name (Jalandhar has two "Model Town")."""
        wanted = normalise(name)
        return [loc.code for loc in self.catalogue.localities_of(tenant_id) if normalise(loc.name_en) == wanted]


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    return Gazetteer(load_catalogue())
