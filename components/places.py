"""A message with the names of the places in it put aside, for the classifiers that read it.

A town or locality is evidence of where, not of what: "Kapurthala" in a few pothole examples must not make a
pothole of the next message from Kapurthala, and a complaint that ends in a town is still a complaint. The intent
classifier reads each place as one mark (a message that is mostly marks answers "where?"); the complaint-type
classifier reads the message without them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Tuple

from seva.matching import load_gazetteer, normalise

PLACE_MARK = "placename"


@lru_cache(maxsize=4096)
def _place_spans(text: str) -> Tuple[Tuple[int, int], ...]:
    # Both classifiers read the same message one after the other: it is scanned once.
    gazetteer = load_gazetteer()
    cities = gazetteer.find_cities(text)
    spans = [(m.start, m.end) for m in cities]
    for tenant_id in {m.key for m in cities}:
        spans += [(m.start, m.end) for m in gazetteer.find_localities(tenant_id, text)]
    return tuple(sorted(spans, reverse=True))


def with_places_as(text: str, mark: str) -> str:
    """The message normalised, each place named in it replaced by `mark` (which may be empty)."""
    taken_from = len(text) + 1
    for start, end in _place_spans(text):
        # A locality inside a town's name (or the other way round) is one place.
        if end > taken_from:
            continue
        text = text[:start] + f" {mark} " + text[end:]
        taken_from = start
    return normalise(text)
