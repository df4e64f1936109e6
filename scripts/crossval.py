"""Cross-validation of Seva's NLU on its own training data, with a table per cell (as the RasaHQ demos print):
the examples of each intent of each cell dealt into `--folds` folds; each fold is held out once while a model is
trained on the rest (the language guesser too, so that no fold teaches what it is tested on).

    python -m scripts.crossval [--folds 3] [--data data/nlu]

Cross-validation says how consistent the training data is; how Seva does on citizens' own words is what
`make evaluate` measures on the held-out and realistic sets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Dict, List

import yaml

from scripts.evaluate import load_cell, parse_all, score_cell

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FIGURES = (("intent acc", "intent_accuracy"), ("intent F1", "intent_f1"), ("type acc", "complaint_type_accuracy"))


def deal(data: Path, folds: int, out: Path) -> None:
    """Writes out/<fold>/train/<cell>.yml and out/<fold>/test/<cell>.yml: every `folds`-th example of each intent
    of each cell held out in turn."""
    for path in sorted(data.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for fold in range(folds):
            parts: Dict[str, List[dict]] = {"train": [], "test": []}
            for block in content.get("nlu") or []:
                if "intent" not in block:
                    parts["train"].append(block)
                    continue
                lines = [line for line in block["examples"].splitlines() if line.startswith("- ")]
                for part, chosen in (
                    ("test", [line for i, line in enumerate(lines) if i % folds == fold]),
                    ("train", [line for i, line in enumerate(lines) if i % folds != fold]),
                ):
                    if chosen:
                        parts[part].append({"intent": block["intent"], "examples": "\n".join(chosen) + "\n"})
            for part, blocks in parts.items():
                folder = out / str(fold) / part
                folder.mkdir(parents=True, exist_ok=True)
                (folder / path.name).write_text(
                    yaml.safe_dump({"version": "3.1", "nlu": blocks}, allow_unicode=True, sort_keys=False),
                    encoding="utf-8",
                )


def fold_config(train: Path, out: Path) -> Path:
    """config.yml with the language guesser learning from the fold's training data."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if component["name"].endswith("LanguageGuesser"):
            component["cells_dir"] = str(train)
    path = out / "config.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def run_fold(folder: Path) -> Dict[str, Dict[str, float]]:
    train, test = folder / "train", folder / "test"
    subprocess.run(
        [str(BIN / "rasa"), "train", "nlu", "--nlu", str(train), "--config", str(fold_config(train, folder))]
        + ["--fixed-model-name", "fold", "--out", str(folder)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cells = {path.stem: load_cell(path) for path in sorted(test.glob("*.yml"))}
    texts = [e["text"] for examples in cells.values() for e in examples]
    parses = asyncio.run(parse_all(folder / "fold.tar.gz", texts))
    report, offset = {}, 0
    for cell, examples in cells.items():
        report[cell] = score_cell(examples, parses[offset : offset + len(examples)])
        offset += len(examples)
    return report


def table(reports: List[Dict[str, Dict[str, float]]]) -> str:
    """A Markdown table: per cell, each figure's mean and spread over the folds."""
    lines = [
        "| cell | examples | " + " | ".join(name for name, _ in FIGURES) + " |",
        "|---|---:|" + "---:|" * len(FIGURES),
    ]
    for cell in sorted(reports[0]):
        values = [r[cell] for r in reports if cell in r]
        row = f"| {cell} | {sum(v['examples'] for v in values)} | "
        row += " | ".join(
            f"{statistics.mean(v[key] for v in values):.3f} ± {statistics.pstdev(v[key] for v in values):.3f}"
            for _, key in FIGURES
        )
        lines.append(row + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "nlu")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "crossval")
    args = parser.parse_args(argv)
    if args.folds < 2:
        parser.error("--folds is at least 2")
    logging.disable(logging.WARNING)
    for module in ("tensorflow", "jax", "rasa", "random"):
        warnings.filterwarnings("ignore", module=module)
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    with tempfile.TemporaryDirectory(prefix="seva-crossval-") as work:
        deal(args.data, args.folds, Path(work))
        reports = []
        for fold in range(args.folds):
            print(f"fold {fold + 1} of {args.folds}: training and testing ...", flush=True)
            reports.append(run_fold(Path(work) / str(fold)))
    markdown = table(reports)
    print(f"\n{args.folds}-fold cross-validation of the training data in {args.data}\n\n{markdown}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "crossval.md").write_text(markdown + "\n", encoding="utf-8")
    (args.out / "crossval.json").write_text(json.dumps(reports, indent=2), encoding="utf-8")
    print(f"\n{args.out / 'crossval.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
