"""The review inbox's uses, shared by `make review` at the terminal and the console's review page: read the inbox
from the conversations Rasa keeps, from a moment on, and decide about one of its messages."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional, Tuple

from seva.review import Entry, inbox, sightings
from seva.review_log import ACCEPTED, DISCARDED, RELABELLED, AlreadyDecided, Decision, ReviewLog
from trainer.conversations import conversations, tracker_store_url
from trainer.training_data import add_example

__all__ = ["ACCEPTED", "DISCARDED", "RELABELLED", "decide", "read", "since"]


def since(value: str) -> float:
    """The Unix time of a day or a moment in ISO 8601 (UTC unless it says otherwise); ValueError if it is neither."""
    moment = datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def read(log: ReviewLog, endpoints: Path, since: Optional[float] = None) -> Tuple[str, List[Entry]]:
    """(where the conversations were read, the inbox without the messages already decided)."""
    url = tracker_store_url(endpoints)
    found = [s for sender, events in conversations(url, since).items() for s in sightings(sender, events)]
    return url, inbox(found, log.decided())


def decide(
    log: ReviewLog,
    entry: Entry,
    decision: str,
    by: str,
    data: Path,
    intent: Optional[str] = None,
    complaint_type: Optional[str] = None,
    cell: Optional[str] = None,
) -> Optional[str]:
    """Records the decision for the message as each of its near copies was written; an accepted or relabelled one
    is first added to the training data of `cell` (the line written is returned). Raises
    trainer.training_data.Refused when the example cannot be added: then nothing is recorded."""
    line = None
    if decision != DISCARDED:
        if not intent:
            raise ValueError("an accepted or relabelled message needs its intent")
        cell = cell or entry.cell
        line = add_example(cell, entry.text, intent, complaint_type, data=data)
    for text in entry.variants:
        try:
            log.record(Decision(entry.cell, text, decision, intent, complaint_type, cell), by=by)
        except AlreadyDecided:
            # Another trainer decided this copy meanwhile: decided either way.
            continue
    return line
