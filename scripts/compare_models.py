"""A newly trained model against the one Seva serves, on messages neither trained on (the held-out and realistic
sets of tests/nlu/): per cell, intent and complaint-type accuracy before and after, the messages whose reading
changed, and the new model's intent confusion. With `--promote`, the new model becomes the one Seva serves (the
old one kept as models/previous.tar.gz) unless it is worse by more than `--max-drop` in any cell, which only
`--accept-worse` (the trainer's say-so) overrides.

    python -m scripts.compare_models --before models/previous.tar.gz --after models/seva.tar.gz
    python -m scripts.compare_models --before models/seva.tar.gz --after models/candidate.tar.gz --promote

Exit codes: 0 compared (and promoted, with --promote); 1 refused: worse in a cell; 2 usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shutil
import sys
import warnings
from pathlib import Path
from typing import Dict, List, Tuple

from scripts.evaluate import (
    COMPLAINT_INTENT,
    NO_TYPE,
    confusion_picture,
    load_cell,
    load_realistic,
    parse_all,
    score_cell,
    score_realistic,
)

ROOT = Path(__file__).resolve().parent.parent
# The figures compared, per cell: (name shown, where it comes from, its key there).
FIGURES = (
    ("intent", "held_out", "intent_accuracy"),
    ("type", "held_out", "complaint_type_accuracy"),
    ("real service", "realistic", "service_accuracy"),
    ("real other", "realistic", "taken_for_complaints"),
)
# Figures where less is better.
LOWER_IS_BETTER = {"taken_for_complaints"}
SHOWN_CHANGES = 15


def _type(parse: dict) -> str:
    return next((x["value"] for x in parse["entities"] if x["entity"] == "complaint_type"), NO_TYPE)


def _reading(parse: dict) -> str:
    return f"{parse['intent']['name']}/{_type(parse)}"


def test_sets(folder: Path) -> Tuple[Dict[str, List[dict]], Dict[str, Dict[str, List[dict]]]]:
    held_out = {path.stem: load_cell(path) for path in sorted(folder.glob("*.yml"))}
    realistic = {path.stem: load_realistic(path) for path in sorted((folder / "realistic").glob("*.yml"))}
    return held_out, realistic


def messages(held_out, realistic) -> List[Tuple[str, str, str, str]]:
    """(cell, set, text, the right reading as intent/type) of every message measured."""
    found = [
        (cell, "held_out", e["text"], f"{e['intent']}/{e['complaint_type']}")
        for cell, ex in held_out.items()
        for e in ex
    ]
    for cell, sets in realistic.items():
        found += [(cell, "realistic", c["text"], f"{COMPLAINT_INTENT}/{c['service']}") for c in sets["complaints"]]
        found += [(cell, "realistic", o["text"], "not a complaint") for o in sets["not_complaints"]]
    return found


def scores(held_out, realistic, parses: List[dict]) -> Dict[str, Dict[str, Dict[str, float]]]:
    """{cell: {"held_out": figures, "realistic": figures}} for the parses of `messages` in their order."""
    report: Dict[str, Dict[str, Dict[str, float]]] = {}
    offset = 0
    for cell, examples in held_out.items():
        report.setdefault(cell, {})["held_out"] = score_cell(examples, parses[offset : offset + len(examples)])
        offset += len(examples)
    for cell, sets in realistic.items():
        size = len(sets["complaints"]) + len(sets["not_complaints"])
        report.setdefault(cell, {})["realistic"] = score_realistic(sets, parses[offset : offset + size])
        offset += size
    return report


def drops(before, after, max_drop: float) -> List[str]:
    """Each figure of each cell that the new model makes worse by more than `max_drop`."""
    worse = []
    for cell in sorted(after):
        for name, source, key in FIGURES:
            if source not in before.get(cell, {}) or source not in after[cell]:
                continue
            change = after[cell][source][key] - before[cell][source][key]
            if (-change if key in LOWER_IS_BETTER else change) < -max_drop:
                worse.append(f"{cell} {name}: {before[cell][source][key]:.3f} -> {after[cell][source][key]:.3f}")
    return worse


def print_report(before, after) -> None:
    print(f"{'cell':<9}" + "".join(f"{name:>26}" for name, _, _ in FIGURES))
    for cell in sorted(after):
        row = f"{cell:<9}"
        for _, source, key in FIGURES:
            if source in before.get(cell, {}) and source in after[cell]:
                b, a = before[cell][source][key], after[cell][source][key]
                row += f"{b:.3f} -> {a:.3f} ({a - b:+.3f})".rjust(26)
            else:
                row += f"{'':>26}"
        print(row)
    print("intent, type = held-out accuracy; real service = realistic complaints' service accuracy;")
    print("real other = realistic non-complaints taken for complaints (lower is better)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, required=True)
    parser.add_argument("--test-data", type=Path, default=ROOT / "tests" / "nlu")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "compare")
    parser.add_argument("--max-drop", type=float, default=0.01, help="the largest drop in a cell let through")
    parser.add_argument("--promote", action="store_true", help="make --after the model Seva serves, at --before")
    parser.add_argument("--accept-worse", action="store_true", help="promote even when worse in a cell")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    for module in ("tensorflow", "jax", "rasa", "matplotlib", "random"):
        warnings.filterwarnings("ignore", module=module)
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

    if args.promote and not args.before.exists():
        args.after.replace(args.before)
        print(f"no model was served yet: {args.before} is the new one")
        return 0
    held_out, realistic = test_sets(args.test_data)
    measured = messages(held_out, realistic)
    texts = [text for _, _, text, _ in measured]
    parses_before = asyncio.run(parse_all(args.before, texts))
    parses_after = asyncio.run(parse_all(args.after, texts))
    before = scores(held_out, realistic, parses_before)
    after = scores(held_out, realistic, parses_after)
    print(f"{args.before} -> {args.after}, on {len(texts)} messages neither trained on")
    print_report(before, after)

    changed = [
        {"cell": cell, "set": kind, "text": text, "right": right, "before": _reading(b), "after": _reading(a)}
        for (cell, kind, text, right), b, a in zip(measured, parses_before, parses_after)
        if _reading(b) != _reading(a)
    ]
    fixed = sum(c["after"] == c["right"] for c in changed)
    broken = sum(c["before"] == c["right"] for c in changed)
    print(f"\n{len(changed)} messages read differently: {fixed} now right, {broken} now wrong")
    for c in sorted(changed, key=lambda c: (c["before"] == c["right"], c["cell"]), reverse=True)[:SHOWN_CHANGES]:
        mark = "now wrong" if c["before"] == c["right"] else ("now right" if c["after"] == c["right"] else "other")
        print(f"  {mark:<9} {c['cell']:<8} {c['before']} -> {c['after']} (right: {c['right']})  {c['text'][:70]}")

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "compare.json").write_text(json.dumps({"before": before, "after": after, "changed": changed}, indent=2))
    gold = [e["intent"] for examples in held_out.values() for e in examples]
    confusion_picture(gold, [p["intent"]["name"] for p in parses_after[: len(gold)]], args.out / "intent_confusion.png")
    print(f"all changes: {args.out / 'compare.json'}; confusion of the new model: {args.out / 'intent_confusion.png'}")

    worse = drops(before, after, args.max_drop)
    if worse:
        print(f"\nworse by more than {args.max_drop:.2f} in: " + "; ".join(worse))
    if not args.promote:
        return 0
    if worse and not args.accept_worse:
        print(f"not served: {args.before} stays the model; {args.after} is kept to look at.")
        print("To serve it all the same: make train ACCEPT_WORSE=1")
        return 1
    shutil.copyfile(args.before, args.before.with_name("previous.tar.gz"))
    args.after.replace(args.before)
    print(f"served: {args.before} (the one before it: {args.before.with_name('previous.tar.gz')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
