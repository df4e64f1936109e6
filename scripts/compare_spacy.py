"""Does spaCy's tokenizer help our intent classifier? Held-out intent accuracy per cell, with the word features
built from whitespace-separated words (what Seva uses) and from spaCy's rule-based tokenizer for the
multi-language blank pipeline (`spacy.blank("xx")`, nothing downloaded). Same data, same classifier otherwise.

    python -m scripts.compare_spacy
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    logging.disable(logging.WARNING)
    import numpy as np
    import spacy
    from rasa.shared.nlu.training_data.loading import load_data

    from components.text_classifier import text_classifier
    from seva.matching import normalise

    nlp = spacy.blank("xx")
    train = load_data(str(ROOT / "data" / "nlu")).intent_examples
    cells = {p.stem: load_data(str(p)).intent_examples for p in sorted((ROOT / "tests" / "nlu").glob("*.yml"))}
    tokenizers = {
        "whitespace": normalise,
        "spacy-xx": lambda text: " ".join(t.text for t in nlp(normalise(text))),
    }
    print(f"{'tokens':<12}" + "".join(f"{c:>9}" for c in cells) + f"{'train s':>9}")
    for name, prepare in tokenizers.items():
        started = time.perf_counter()
        model = text_classifier(C=20, balanced=True, char_ngrams=(2, 5), random_seed=1).fit(
            [prepare(m.get("text")) for m in train], [m.get("intent") for m in train]
        )
        seconds = time.perf_counter() - started
        scores = []
        for examples in cells.values():
            predicted = model.predict([prepare(m.get("text")) for m in examples])
            scores.append(np.mean(predicted == np.array([m.get("intent") for m in examples])))
        print(f"{name:<12}" + "".join(f"{s:>9.3f}" for s in scores) + f"{seconds:>9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
