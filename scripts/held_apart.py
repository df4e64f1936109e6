"""Checks that the held-out and realistic sets stay apart from the training data: no training example may be the
same as, or a near copy of, a message we measure on (which would make the figures of `make evaluate` flatter than
what citizens get). Compared after normalising, with entity markup taken out: as written within a cell, and by
sound key (`seva.sound_key`, what the classifiers read) within a cell and against the other script of the
same language, where ਨਾ ਬਾਈ ਨਾ and "na bai na" are one message.

    python -m scripts.held_apart            # exits 1 and lists the pairs when any is too close
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Dict, List

import yaml
from rapidfuzz import fuzz, process

from seva.matching import normalise
from seva.sound_key import sound_key

ROOT = Path(__file__).resolve().parent.parent
# A similarity (0-100, rapidfuzz's ratio on normalised text) from which two messages are one message reworded
# by a letter or two.
NEAR = 90
# Replies of one or two words ("hi", "ok ji", "नमस्ते") are a closed vocabulary that every set shares.
MIN_WORDS = 3
_MARKUP = re.compile(r"\[([^\]]*)\](?:\{[^}]*\}|\([^)]*\))")


def training_examples(path: Path) -> List[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    lines: List[str] = []
    for block in data.get("nlu") or []:
        examples = block.get("examples") or ""
        lines += [_MARKUP.sub(r"\1", line[2:]) for line in examples.splitlines() if line.startswith("- ")]
    return lines


def measured_messages(cell: str) -> List[str]:
    messages = training_examples(ROOT / "tests" / "nlu" / f"{cell}.yml")
    realistic = ROOT / "tests" / "nlu" / "realistic" / f"{cell}.yml"
    if realistic.exists():
        data = yaml.safe_load(realistic.read_text(encoding="utf-8")) or {}
        messages += [m["text"] for key in ("complaints", "not_complaints") for m in data.get(key) or []]
    return messages


def too_close(training: List[str], measured: List[str], near: float = NEAR, key=normalise) -> List[tuple]:
    """(training example, measured message, score) for each training example too close to a measured one, compared
    by `key`."""
    keyed: Dict[str, str] = {key(m): m for m in measured if normalise(m)}
    choices = list(keyed)
    pairs = []
    for example in training:
        if len(normalise(example).split()) < MIN_WORDS:
            continue
        best = process.extractOne(key(example), choices, scorer=fuzz.ratio, score_cutoff=near)
        if best is not None:
            pairs.append((example, keyed[best[0]], round(best[1])))
    return pairs


def by_sound(text: str) -> str:
    return sound_key(normalise(text))


def same_language(cell: str) -> List[str]:
    """The cell and the cell of its language in the other script ("pa" and "pa-latn"), where there is one."""
    native = cell.removesuffix("-latn")
    return [c for c in (native, f"{native}-latn") if (ROOT / "tests" / "nlu" / f"{c}.yml").exists()] or [cell]


def near_copies(cell: str, training: List[str]) -> List[tuple]:
    measured = {c: measured_messages(c) for c in {cell, *same_language(cell)}}
    found = {example: (message, score) for example, message, score in too_close(training, measured[cell])}
    for other in same_language(cell):
        for example, message, score in too_close(training, measured[other], key=by_sound):
            found.setdefault(example, (message, score))
    return [(example, message, score) for example, (message, score) in found.items()]


def main() -> int:
    failing = 0
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        pairs = near_copies(path.stem, training_examples(path))
        for example, message, score in pairs:
            print(f"{path.stem}\t{score}\ttraining: {example}\tmeasured: {message}")
        failing += len(pairs)
    if failing:
        print(f"{failing} training example(s) too close to the held-out or realistic sets: reword or remove them")
        return 1
    print("held-out and realistic sets: apart from the training data")
    return 0


if __name__ == "__main__":
    sys.exit(main())
