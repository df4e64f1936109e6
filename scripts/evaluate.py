"""How well the trained model understands messages it never saw: the held-out sets in tests/nlu/, and the
realistic sets in tests/nlu/realistic/.

Each file there is one cell (a language in a script, e.g. ``en.yml``). For each cell it prints intent accuracy
and macro F1, complaint-type accuracy (the ``complaint_type`` value against the annotated service code,
including "no type" for messages that name none) and entity F1 over (entity, value) pairs of the annotated
entities. It writes the intent confusion matrix as a picture and the figures as JSON to results/, and with
``--min-intent-accuracy`` fails when any cell is below it.

The realistic sets are citizens' messages written apart from the training data by people who never saw it, each
labelled with its service code (and a second problem, if any), plus messages that are not municipal complaints.
For them it prints, per cell, how many complaints are recognised as complaints, the category and service accuracy
on complaints, and the share of non-complaints taken for complaints.

    python -m scripts.evaluate --model models/seva.tar.gz --test-data tests/nlu
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import warnings
from collections import Counter
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
NO_TYPE = "-"
COMPLAINT_INTENT = "file_complaint"


def load_cell(path: Path) -> List[dict]:
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for message in load_data(str(path)).intent_examples:
        entities = message.get("entities") or []
        examples.append(
            {
                "text": message.get("text"),
                "intent": message.get("intent"),
                "complaint_type": next((e["value"] for e in entities if e["entity"] == "complaint_type"), NO_TYPE),
                "entities": {(e["entity"], str(e.get("value"))) for e in entities},
            }
        )
    return examples


async def parse_all(model: Path, texts: List[str]) -> List[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def f1_macro(gold: List[str], predicted: List[str]) -> float:
    labels = sorted(set(gold))
    scores = []
    for label in labels:
        tp = sum(g == p == label for g, p in zip(gold, predicted))
        fp = sum(p == label and g != label for g, p in zip(gold, predicted))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def entity_f1(gold: List[set], predicted: List[set]) -> Tuple[float, int]:
    tp = fp = fn = 0
    for g, p in zip(gold, predicted):
        tp += len(g & p)
        fp += len(p - g)
        fn += len(g - p)
    if tp + fp + fn == 0:
        return 1.0, 0
    return 2 * tp / (2 * tp + fp + fn), tp + fn


def score_cell(examples: List[dict], parses: List[dict]) -> Dict[str, float]:
    gold_intents = [e["intent"] for e in examples]
    predicted_intents = [p["intent"]["name"] for p in parses]
    gold_types = [e["complaint_type"] for e in examples]
    predicted_types = [
        next((x["value"] for x in p["entities"] if x["entity"] == "complaint_type"), NO_TYPE) for p in parses
    ]
    # Only the entity kinds a cell annotates are scored, so an unannotated place does not count as an error.
    kinds = {kind for e in examples for kind, _ in e["entities"]}
    gold_entities = [e["entities"] for e in examples]
    predicted_entities = [
        {(x["entity"], str(x["value"])) for x in p["entities"] if x["entity"] in kinds} for p in parses
    ]
    choices = [p.get("complaint_type_choices") or [] for p in parses]
    typed = [i for i, e in enumerate(examples) if e["complaint_type"] != NO_TYPE]
    category = _category_of()
    f1, entity_count = entity_f1(gold_entities, predicted_entities)
    return {
        "examples": len(examples),
        "intent_accuracy": sum(g == p for g, p in zip(gold_intents, predicted_intents)) / len(examples),
        "intent_f1": f1_macro(gold_intents, predicted_intents),
        "complaint_type_accuracy": sum(g == p for g, p in zip(gold_types, predicted_types)) / len(examples),
        "complaint_type_accuracy_on_complaints": (
            sum(gold_types[i] == predicted_types[i] for i in typed) / len(typed) if typed else 1.0
        ),
        # Asked between the two likeliest (no guess), with the right one among them: one tap away.
        "complaint_type_one_tap_on_complaints": (
            sum(gold_types[i] == predicted_types[i] or gold_types[i] in choices[i] for i in typed) / len(typed)
            if typed
            else 1.0
        ),
        "complaint_category_accuracy_on_complaints": (
            sum(category(gold_types[i]) == category(predicted_types[i]) for i in typed) / len(typed) if typed else 1.0
        ),
        "entity_f1": f1,
        "entities": entity_count,
    }


def load_realistic(path: Path) -> Dict[str, List[dict]]:
    import yaml

    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    return {"complaints": data.get("complaints") or [], "not_complaints": data.get("not_complaints") or []}


def score_realistic(cell: Dict[str, List[dict]], parses: List[dict]) -> Dict[str, float]:
    complaints, others = cell["complaints"], cell["not_complaints"]
    category = _category_of()
    told, rest = parses[: len(complaints)], parses[len(complaints) :]
    types = [next((x["value"] for x in p["entities"] if x["entity"] == "complaint_type"), NO_TYPE) for p in told]
    asked = [p.get("complaint_type_choices") or [] for p in told]
    also = [p.get("complaint_type_also") for p in told]
    two = [i for i, c in enumerate(complaints) if c.get("also")]
    one = [i for i, c in enumerate(complaints) if not c.get("also")]
    n = len(complaints) or 1
    return {
        "complaints": len(complaints),
        "recognised": sum(p["intent"]["name"] == COMPLAINT_INTENT for p in told) / n,
        "category_accuracy": sum(category(c["service"]) == category(t) for c, t in zip(complaints, types)) / n,
        "service_accuracy": sum(c["service"] == t for c, t in zip(complaints, types)) / n,
        "asked_between_two": sum(bool(a) for a in asked) / n,
        "service_one_tap": sum(c["service"] == t or c["service"] in a for c, t, a in zip(complaints, types, asked)) / n,
        "wrong_guess": sum(t not in (NO_TYPE, c["service"]) for c, t in zip(complaints, types)) / n,
        # Of the messages that name a second problem, those whose second is offered with its category right...
        "second_found": sum(category(also[i]) == category(complaints[i]["also"]) for i in two) / (len(two) or 1),
        "with_second": len(two),
        # ...and of those that name one problem, those offered a second all the same.
        "second_offered_wrongly": sum(also[i] is not None for i in one) / (len(one) or 1),
        "not_complaints": len(others),
        "taken_for_complaints": sum(p["intent"]["name"] == COMPLAINT_INTENT for p in rest) / (len(others) or 1),
    }


def realistic_errors(cell_name: str, cell: Dict[str, List[dict]], parses: List[dict]) -> List[str]:
    lines = []
    for c, p in zip(cell["complaints"], parses):
        typed = next((x["value"] for x in p["entities"] if x["entity"] == "complaint_type"), NO_TYPE)
        if typed != c["service"] or p["intent"]["name"] != COMPLAINT_INTENT:
            lines.append(f"{cell_name}\t{c['service']} -> {p['intent']['name']}/{typed}\t{c['text']}")
    for o, p in zip(cell["not_complaints"], parses[len(cell["complaints"]) :]):
        if p["intent"]["name"] == COMPLAINT_INTENT:
            lines.append(f"{cell_name}\tnot a complaint ({o.get('about')}) -> {COMPLAINT_INTENT}\t{o['text']}")
    return lines


def evaluate_realistic(model: Path, folder: Path, out: Path) -> None:
    cells = {path.stem: load_realistic(path) for path in sorted(folder.glob("*.yml"))}
    if not cells:
        return
    texts = [m["text"] for cell in cells.values() for m in cell["complaints"] + cell["not_complaints"]]
    parses = asyncio.run(parse_all(model, texts))
    report, errors, offset = {}, [], 0
    told_all: List[dict] = []
    rest_all: List[dict] = []
    for name, cell in cells.items():
        size = len(cell["complaints"]) + len(cell["not_complaints"])
        cell_parses = parses[offset : offset + size]
        offset += size
        report[name] = score_realistic(cell, cell_parses)
        errors += realistic_errors(name, cell, cell_parses)
        told_all += cell_parses[: len(cell["complaints"])]
        rest_all += cell_parses[len(cell["complaints"]) :]
    every = {key: [m for cell in cells.values() for m in cell[key]] for key in ("complaints", "not_complaints")}
    report["all"] = score_realistic(every, told_all + rest_all)
    print()
    print(f"Realistic sets ({folder}): written apart from the training data")
    print(
        f"{'cell':<8}{'complaints':>11}{'recognised':>11}{'category':>10}{'service':>9}{'asked':>7}{'one tap':>9}"
        f"{'wrong':>7}{'others':>8}{'taken':>7}{'two':>5}{'second':>8}{'extra':>7}"
    )
    for name, r in report.items():
        print(
            f"{name:<8}{r['complaints']:>11}{r['recognised']:>11.3f}{r['category_accuracy']:>10.3f}"
            f"{r['service_accuracy']:>9.3f}{r['asked_between_two']:>7.3f}{r['service_one_tap']:>9.3f}"
            f"{r['wrong_guess']:>7.3f}{r['not_complaints']:>8}{r['taken_for_complaints']:>7.3f}"
            f"{r['with_second']:>5}{r['second_found']:>8.3f}{r['second_offered_wrongly']:>7.3f}"
        )
    print("asked = asked between the two likeliest services instead of guessing; one tap = right, or right among the")
    print("two asked; wrong = a wrong service guessed; taken = non-complaints taken for complaints; two = complaints")
    print("naming a second problem; second = of those, the second found (its category); extra = of the complaints")
    print("naming one problem, those offered a second all the same")
    (out / "realistic.json").write_text(json.dumps(report, indent=2))
    (out / "realistic_errors.tsv").write_text("\n".join(errors) + "\n")
    print(f"errors: {out / 'realistic_errors.tsv'}")


def _category_of():
    from seva.catalogue import load_catalogue

    services = load_catalogue().services
    return lambda code: services[code].category if code in services else NO_TYPE


def confusion_picture(gold: List[str], predicted: List[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = sorted(set(gold) | set(predicted))
    index = {label: i for i, label in enumerate(labels)}
    counts = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted):
        counts[index[g]][index[p]] += 1
    fig, ax = plt.subplots(figsize=(1 + 0.5 * len(labels), 1 + 0.5 * len(labels)))
    ax.imshow(counts, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=90)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted intent")
    ax.set_ylabel("true intent")
    for i, row in enumerate(counts):
        for j, n in enumerate(row):
            if n:
                dark = n > max(map(max, counts)) / 2
                ax.text(
                    j,
                    i,
                    n,
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="red" if i != j else ("white" if dark else "black"),
                )
    ax.set_title("Intent confusion on the held-out sets")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "seva.tar.gz")
    parser.add_argument("--test-data", type=Path, default=ROOT / "tests" / "nlu")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "nlu")
    parser.add_argument("--min-intent-accuracy", type=float, default=None)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    # The libraries' notices (TensorFlow, Rasa, matplotlib) would bury the figures this prints.
    for module in ("tensorflow", "jax", "rasa", "matplotlib", "random"):
        warnings.filterwarnings("ignore", module=module)
    import structlog

    # Rasa logs every parse at debug level through structlog.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

    cells = {path.stem: load_cell(path) for path in sorted(args.test_data.glob("*.yml"))}
    if not cells:
        print(f"no held-out data in {args.test_data}")
        return 1
    texts = [e["text"] for examples in cells.values() for e in examples]
    parses = asyncio.run(parse_all(args.model, texts))

    report, all_gold, all_predicted, errors = {}, [], [], []
    offset = 0
    for cell, examples in cells.items():
        cell_parses = parses[offset : offset + len(examples)]
        offset += len(examples)
        report[cell] = score_cell(examples, cell_parses)
        for e, p in zip(examples, cell_parses):
            all_gold.append(e["intent"])
            all_predicted.append(p["intent"]["name"])
            if e["intent"] != p["intent"]["name"]:
                errors.append(f"{cell}\t{e['intent']} -> {p['intent']['name']}\t{e['text']}")
    every = [e for examples in cells.values() for e in examples]
    report["all"] = score_cell(every, parses)

    header = (
        f"{'cell':<8}{'n':>6}{'intent acc':>12}{'intent F1':>11}{'type acc':>10}{'type acc*':>11}"
        f"{'one tap*':>10}{'category*':>11}{'entity F1':>11}"
    )
    print(header)
    for cell, r in report.items():
        print(
            f"{cell:<8}{r['examples']:>6}{r['intent_accuracy']:>12.3f}{r['intent_f1']:>11.3f}"
            f"{r['complaint_type_accuracy']:>10.3f}{r['complaint_type_accuracy_on_complaints']:>11.3f}"
            f"{r['complaint_type_one_tap_on_complaints']:>10.3f}"
            f"{r['complaint_category_accuracy_on_complaints']:>11.3f}{r['entity_f1']:>11.3f}"
        )
    print("type acc* and category* = complaint type and category accuracy on the messages that describe a complaint;")
    print("one tap* = right, or asked between the two likeliest with the right one among them")

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2))
    (args.out / "intent_errors.tsv").write_text("\n".join(errors) + "\n")
    confusion_picture(all_gold, all_predicted, args.out / "intent_confusion.png")
    print(f"confusion matrix: {args.out / 'intent_confusion.png'}; errors: {args.out / 'intent_errors.tsv'}")
    print("most confused:", Counter(e.split("\t")[1] for e in errors).most_common(5))
    evaluate_realistic(args.model, args.test_data / "realistic", args.out)

    if args.min_intent_accuracy is not None:
        failing = [c for c in cells if report[c]["intent_accuracy"] < args.min_intent_accuracy]
        if failing:
            print(f"intent accuracy below {args.min_intent_accuracy} in: {', '.join(failing)}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
