"""Training examples added to a cell's file of `data/nlu/` (`en.yml`, `hi-latn.yml`, ...): under the block of their
intent, as the files are written by hand (one `- example` line each), so that the rest of the file and its
comments stay as they were. An example already in the cell is not added twice, and one that is a near copy of a
message we measure on is refused, so that `make validate` stays clean."""

from __future__ import annotations

import json
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import List, Optional, Tuple

import yaml
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from scripts.held_apart import near_copies, training_examples
from seva.matching import normalise
from seva.review import COMPLAINT_NUMBER, EMAIL, PHONE

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "nlu"
# What the masks of seva.review stand for in a training example: values of the right shape, no one's data.
STAND_INS = {COMPLAINT_NUMBER: "PB-PGR-2026-01-15-000123", PHONE: "98765 43210", EMAIL: "name@example.com"}
_INTENT = re.compile(r"^- intent: *(\S+) *$")
_EXAMPLE = re.compile(r"^ {4}- ")


@lru_cache(maxsize=1)
def intents() -> Tuple[str, ...]:
    """The intents of domain.yml, which a relabelled example may be given."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return tuple(domain["intents"])


def cells(data: Path = DATA) -> List[str]:
    return sorted(path.stem for path in data.glob("*.yml"))


# Why an example is refused, as the console names it (its texts `review_refused_<reason>`).
NO_CELL, NO_WORDS, ALREADY_THERE, MEASURED = "no_cell", "no_words", "already_there", "measured"


class Refused(Exception):
    """The example cannot go into the training data; the message says why, `reason` in a word."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def example_line(text: str, complaint_type: Optional[str] = None) -> str:
    """The example as the files write it: on one line, its complaint type annotated over the whole message."""
    for mask, stand_in in STAND_INS.items():
        text = text.replace(mask, stand_in)
    # Square brackets would be read as entity markup.
    text = " ".join(text.replace("[", "(").replace("]", ")").split())
    if complaint_type:
        annotation = json.dumps({"entity": "complaint_type", "value": complaint_type})
        return f"[{text}]{annotation}"
    return text


def add_example(cell: str, text: str, intent: str, complaint_type: Optional[str] = None, data: Path = DATA) -> str:
    """Adds the example to the cell's file and gives the line written; raises Refused when it cannot."""
    path = data / f"{cell}.yml"
    if not path.exists():
        raise Refused(NO_CELL, f"there is no training data for the cell {cell!r}")
    line = example_line(text, complaint_type)
    plain = example_line(text)
    if not normalise(plain):
        raise Refused(NO_WORDS, "the message has no words to learn from")
    if normalise(plain) in {normalise(example) for example in training_examples(path)}:
        raise Refused(ALREADY_THERE, "the training data of the cell has it already")
    close = near_copies(cell, [plain])
    if close:
        raise Refused(MEASURED, f"it is a near copy of a message we measure on: {close[0][1]!r}")
    lines = path.read_text(encoding="utf-8").splitlines()
    updated = "\n".join(_inserted(lines, intent, line)) + "\n"
    # Rasa reads the result as it would in training; a broken file is never written.
    RasaYAMLReader().reads(updated)
    _write(path, updated)
    return line


def _inserted(lines: List[str], intent: str, line: str) -> List[str]:
    start = next((i for i, current in enumerate(lines) if _intent_of(current) == intent), None)
    if start is None:
        while lines and not lines[-1].strip():
            lines = lines[:-1]
        return lines + ["", f"- intent: {intent}", "  examples: |", f"    - {line}"]
    end = start + 1
    while end < len(lines) and not lines[end].startswith("- "):
        end += 1
    last_example = max((i for i in range(start, end) if _EXAMPLE.match(lines[i])), default=start + 1)
    return lines[: last_example + 1] + [f"    - {line}"] + lines[last_example + 1 :]


def _intent_of(line: str) -> Optional[str]:
    match = _INTENT.match(line)
    return match.group(1) if match else None


def _write(path: Path, content: str) -> None:
    """Written whole or not at all: a copy beside the file, then renamed over it."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as f:
        f.write(content)
    os.replace(temporary, path)
