"""The text classifier Seva's own NLU components share: TF-IDF over character n-grams within words and over
whitespace-separated words, then logistic regression.

Both feature kinds keep Devanagari and Gurmukhi words whole (scikit-learn's default word pattern splits them
at vowel signs), and character n-grams carry misspellings and romanisations ("kooda", "kuda", "kuuda").
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline


def text_classifier(
    C: float, balanced: bool, char_ngrams: Tuple[int, int], random_seed: int, word_ngrams: Tuple[int, int] = (1, 2)
) -> Pipeline:
    return Pipeline(
        [
            (
                "features",
                FeatureUnion(
                    [
                        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(char_ngrams), sublinear_tf=True)),
                        ("words", TfidfVectorizer(token_pattern=r"\S+", ngram_range=tuple(word_ngrams), sublinear_tf=True)),
                    ]
                ),
            ),
            (
                "classifier",
                LogisticRegression(
                    C=C, max_iter=3000, class_weight="balanced" if balanced else None, random_state=random_seed
                ),
            ),
        ]
    )


def save(model: Pipeline, path: Path) -> None:
    import skops.io as sio

    sio.dump(model, path)


def load(path: Path) -> Optional[Pipeline]:
    """A model this project wrote (its scikit-learn types are expected), or None if there is none."""
    import skops.io as sio

    if not path.exists():
        return None
    return sio.load(path, trusted=sio.get_untrusted_types(file=path))
