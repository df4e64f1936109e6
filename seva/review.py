"""The trainers' review inbox: the messages of real conversations that Seva was unsure of or got wrong.

A conversation is read as Rasa keeps it (its events, as JSON) and each typed message that tells something is a
sighting: a fallback, an intent below `Rules.unsure_below`, two intents or two complaint types close together,
a complaint whose type the citizen changed before filing (the changed type is a free, true label), a "did you
mean" answered no, the language switched right after Seva guessed it, a filing cancelled right after a
misunderstanding. Sightings are grouped per cell (language and script), near copies merged, the most frequent
first. Personal data is masked before anything leaves this module.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from rapidfuzz import fuzz

from seva.matching import normalise
from seva.numbering import find_numbers

FALLBACK_INTENT = "nlu_fallback"
PHONE, COMPLAINT_NUMBER, EMAIL = "<phone>", "<complaint number>", "<email>"
_PHONE = re.compile(r"(?<!\w)\+?\d[\d \-]{8,16}\d(?!\w)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

FALLBACK, UNSURE, CLOSE_INTENTS, CLOSE_TYPES = "fallback", "unsure", "close_intents", "close_types"
TYPE_CHANGED, DID_YOU_MEAN_NO, LANGUAGE_BACK, CANCELLED = (
    "type_changed",
    "did_you_mean_no",
    "language_back",
    "cancelled",
)
REASONS = (FALLBACK, UNSURE, CLOSE_INTENTS, CLOSE_TYPES, TYPE_CHANGED, DID_YOU_MEAN_NO, LANGUAGE_BACK, CANCELLED)

# Where a filing ends, and whether it was filed.
_SUBMITTED = "action_submit_complaint"
_ENDED = {"action_cancel_complaint", "action_reset_to_menu", "action_follow_complaint", _SUBMITTED}
_CANCELLED = "action_cancel_complaint"
_FALLBACK_ACTION = "action_default_fallback"
_DID_YOU_MEAN = "utter_did_you_mean_"


@dataclass(frozen=True)
class Rules:
    # An intent read with less confidence than this is worth a look (Rasa's fallback is at 0.3, config.yml).
    unsure_below: float = 0.6
    # Two likeliest intents nearer than this.
    close_margin: float = 0.1
    # The second likeliest complaint type at least this share of the first (the classifier's close_ratio).
    close_ratio: float = 0.6


def mask(text: str) -> str:
    """The text with complaint numbers, phone numbers and e-mail addresses replaced by what they are."""
    for found in sorted(find_numbers(text), key=lambda f: f.start, reverse=True):
        text = text[: found.start] + COMPLAINT_NUMBER + text[found.end :]
    return _PHONE.sub(PHONE, _EMAIL.sub(EMAIL, text))


def cell_of(parse: Dict[str, Any]) -> Optional[str]:
    """`hi-latn` for Hindi in Latin letters, `pa` for Gurmukhi, `en`: from the language component's guess."""
    guess = parse.get("language_guess") or {}
    language = guess.get("language")
    if not language:
        return None
    return f"{language}-latn" if guess.get("script") == "latin" and language != "en" else language


@dataclass(frozen=True)
class Sighting:
    """One message of one conversation, as Seva read it and, where the conversation told it, as it should be."""

    conversation: str
    text: str
    cell: str
    reason: str
    intent: Optional[str]
    confidence: float
    complaint_type: Optional[str]
    right_type: Optional[str] = None
    right_cell: Optional[str] = None


@dataclass
class Entry:
    """Sightings of one message (and its near copies) in one cell."""

    cell: str
    key: str
    text: str
    sightings: List[Sighting] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.sightings)

    @property
    def conversations(self) -> int:
        return len({s.conversation for s in self.sightings})

    @property
    def reasons(self) -> List[str]:
        counts = Counter(s.reason for s in self.sightings)
        return [r for r in REASONS if r in counts]

    @property
    def variants(self) -> List[str]:
        """The message as each of its near copies was written, the most frequent first."""
        return [text for text, _ in Counter(s.text for s in self.sightings).most_common()]

    @property
    def guess(self) -> Tuple[Optional[str], Optional[str]]:
        """Seva's most frequent reading: (intent, complaint type)."""
        return Counter((s.intent, s.complaint_type) for s in self.sightings).most_common(1)[0][0]

    @property
    def suggestion(self) -> Tuple[Optional[str], Optional[str], str]:
        """(intent, complaint type, cell) to offer the trainer: what citizens told, else Seva's guess."""
        told = [s for s in self.sightings if s.right_type or s.right_cell]
        intent, complaint_type = self.guess
        if not told:
            return intent, complaint_type, self.cell
        best = Counter((s.intent, s.right_type, s.right_cell or s.cell) for s in told)
        told_intent, right_type, right_cell = best.most_common(1)[0][0]
        return told_intent, right_type or complaint_type, right_cell


def key_of(text: str) -> str:
    return normalise(mask(text))


def _intent(parse: Dict[str, Any]) -> Tuple[Optional[str], float]:
    """Seva's reading of the intent; under a fallback, the intent the classifier would have picked."""
    ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
    if ranking:
        return ranking[0].get("name"), float(ranking[0].get("confidence") or 0.0)
    intent = parse.get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def _complaint_type(parse: Dict[str, Any]) -> Optional[str]:
    for entity in parse.get("entities") or []:
        if entity.get("entity") == "complaint_type":
            return entity.get("value")
    choices = parse.get("complaint_type_choices") or []
    return choices[0] if choices else None


def _entity(parse: Dict[str, Any], name: str) -> Optional[str]:
    return next((e.get("value") for e in parse.get("entities") or [] if e.get("entity") == name), None)


def _doubts(parse: Dict[str, Any], rules: Rules) -> List[str]:
    """Why Seva's reading of one message is worth a trainer's look, from the message alone."""
    doubts = []
    if (parse.get("intent") or {}).get("name") == FALLBACK_INTENT:
        doubts.append(FALLBACK)
    else:
        ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
        best = float(ranking[0].get("confidence") or 0.0) if ranking else 0.0
        if best < rules.unsure_below:
            doubts.append(UNSURE)
        elif len(ranking) > 1 and best - float(ranking[1].get("confidence") or 0.0) < rules.close_margin:
            doubts.append(CLOSE_INTENTS)
    types = parse.get("complaint_type_ranking") or []
    if parse.get("complaint_type_choices") or (
        _complaint_type(parse)
        and len(types) > 1
        and float(types[1].get("confidence") or 0.0) >= rules.close_ratio * float(types[0].get("confidence") or 1.0)
    ):
        doubts.append(CLOSE_TYPES)
    return doubts


@dataclass
class _Reading:
    """A typed message as Seva read it, while the conversation is walked."""

    text: str
    cell: str
    intent: Optional[str]
    confidence: float
    complaint_type: Optional[str]
    doubtful: bool
    language: Optional[str]
    latin: bool

    def sighting(self, conversation: str, reason: str, **right: Optional[str]) -> Sighting:
        return Sighting(
            conversation, mask(self.text), self.cell, reason, self.intent, self.confidence, self.complaint_type, **right
        )


def sightings(conversation: str, events: Iterable[Dict[str, Any]], rules: Rules = Rules()) -> List[Sighting]:
    """What in one conversation (Rasa's events, oldest first) is worth a trainer's look."""
    found: List[Sighting] = []
    last: Optional[_Reading] = None  # the latest typed message
    # The two latest typed messages, each with whether Seva misunderstood it (a doubt, or a fallback after it).
    recent: List[List[Any]] = []
    filing: Optional[_Reading] = None  # the typed message whose complaint type began the filing under way
    filing_type: Optional[str] = None  # the complaint type the filing holds now
    asked_did_you_mean: Optional[_Reading] = None
    for event in events:
        kind = event.get("event")
        if kind == "action":
            name = event.get("name") or ""
            if name == _FALLBACK_ACTION and recent:
                recent[-1][1] = True
            elif name.startswith(_DID_YOU_MEAN):
                asked_did_you_mean = last
            misread = next((reading for reading, wrong in reversed(recent) if wrong), None)
            if name == _CANCELLED and misread is not None:
                found.append(misread.sighting(conversation, CANCELLED))
            if name == _SUBMITTED and filing is not None and filing_type and filing_type != filing.complaint_type:
                found.append(filing.sighting(conversation, TYPE_CHANGED, right_type=filing_type))
            if name in _ENDED:
                filing, filing_type = None, None
        elif kind == "slot" and event.get("name") == "complaint_type":
            filing_type = event.get("value")
        elif kind == "user":
            parse = event.get("parse_data") or {}
            intent = (parse.get("intent") or {}).get("name")
            if asked_did_you_mean is not None and intent == "deny":
                found.append(asked_did_you_mean.sighting(conversation, DID_YOU_MEAN_NO))
            asked_did_you_mean = None
            chosen = _entity(parse, "language") if intent == "choose_language" else None
            # Only Latin letters leave the language to a guess; English chosen may be a preference, not a correction.
            if chosen and last is not None and last.latin and last.language and chosen != last.language:
                right_cell = f"{chosen}-latn" if chosen != "en" else None
                found.append(last.sighting(conversation, LANGUAGE_BACK, right_cell=right_cell))
            reading = _read(event.get("text") or "", parse, rules)
            if reading is None:
                # A tapped button or a photo: the typed message before it stays the latest.
                continue
            last = reading
            recent = recent[-1:] + [[reading, reading.doubtful]]
            found += [reading.sighting(conversation, doubt) for doubt in _doubts(parse, rules)]
            if filing is None and reading.complaint_type:
                filing, filing_type = reading, reading.complaint_type
    return found


def _read(text: str, parse: Dict[str, Any], rules: Rules) -> Optional[_Reading]:
    cell = cell_of(parse)
    if text.startswith("/") or not normalise(text) or cell is None:
        return None
    intent, confidence = _intent(parse)
    guess = parse.get("language_guess") or {}
    return _Reading(
        text=text,
        cell=cell,
        intent=intent,
        confidence=round(confidence, 4),
        complaint_type=_complaint_type(parse),
        doubtful=bool({FALLBACK, UNSURE} & set(_doubts(parse, rules))),
        language=guess.get("language"),
        latin=guess.get("script") == "latin",
    )


# Two messages this similar (0-100, on normalised masked text) are one message typed twice.
NEAR = 90


def inbox(found: Iterable[Sighting], decided: Sequence[Tuple[str, str]] = ()) -> List[Entry]:
    """Sightings grouped per cell with their near copies, the most frequent first; `decided` are (cell, key) pairs
    a trainer has already accepted, relabelled or discarded."""
    done = set(decided)
    entries: Dict[str, List[Entry]] = {}
    for sighting in found:
        key = key_of(sighting.text)
        if (sighting.cell, key) in done:
            continue
        cell_entries = entries.setdefault(sighting.cell, [])
        entry = next((e for e in cell_entries if e.key == key or fuzz.ratio(e.key, key) >= NEAR), None)
        if entry is None:
            entry = Entry(sighting.cell, key, sighting.text)
            cell_entries.append(entry)
        entry.sightings.append(sighting)
    for cell_entries in entries.values():
        for entry in cell_entries:
            entry.text = entry.variants[0]
    every = [entry for cell_entries in entries.values() for entry in cell_entries]
    return sorted(every, key=lambda e: (-e.count, -e.conversations, e.cell, e.key))
