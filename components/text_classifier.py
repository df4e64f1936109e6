"""The text classifier Seva's own NLU components share: TF-IDF over character n-grams within the words' sound keys
and over whitespace-separated words, then logistic regression.

Both feature kinds keep Devanagari and Gurmukhi words whole (scikit-learn's default word pattern splits them
at vowel signs). The character n-grams are taken from each word's sound key (`seva.sound_key`), so that
misspellings, romanisations and scripts meet ("kooda", "kuda", ਕੂੜਾ, कूड़ा); the words stay as written.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, Optional, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from seva.sound_key import sound_key

logger = logging.getLogger(__name__)


def text_classifier(
    C: float,
    balanced: bool,
    char_ngrams: Tuple[int, int],
    random_seed: int,
    word_ngrams: Tuple[int, int] = (1, 2),
    sounds: bool = True,
) -> Pipeline:
    """With `sounds`, the character n-grams are the sound keys'; without, the written words' (telling romanised
    Hindi from romanised Punjabi needs the very spellings the keys make one)."""
    return Pipeline(
        [
            (
                "features",
                FeatureUnion(
                    [
                        (
                            "chars",
                            TfidfVectorizer(
                                analyzer="char_wb",
                                ngram_range=tuple(char_ngrams),
                                sublinear_tf=True,
                                preprocessor=sound_key if sounds else None,
                            ),
                        ),
                        (
                            "words",
                            TfidfVectorizer(token_pattern=r"\S+", ngram_range=tuple(word_ngrams), sublinear_tf=True),
                        ),
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
    model = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    laid_out_for_prediction(model)
    return model


def laid_out_for_prediction(model: Pipeline) -> None:
    """Keeps the classifier's weights column by column: predicting multiplies a sparse row by their transpose, which
    scipy first copies into rows otherwise (a millisecond or more per message and model). The same numbers."""
    classifier = model.steps[-1][1]
    if hasattr(classifier, "coef_"):
        classifier.coef_ = np.asfortranarray(classifier.coef_)


class TrainedTextComponent(GraphComponent):
    """A Rasa graph component holding scikit-learn models, one file each, named in MODEL_NAMES.

    Subclasses train `self._models` in `train()` and call `self.persist()`; `load()` gives `None` for
    `self._models` when the component was never trained, and subclasses then leave messages as they are.
    """

    MODEL_NAMES: Tuple[str, ...] = ()

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        models: Optional[Dict[str, Pipeline]] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._models = models

    @property
    def models(self) -> Dict[str, Pipeline]:
        """The trained models; only a trained component is persisted or asked to rank."""
        if self._models is None:
            raise RuntimeError(f"{type(self).__name__} is not trained")
        return self._models

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TrainedTextComponent:
        return cls(config, model_storage, resource)

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            for name in self.MODEL_NAMES:
                save(self.models[name], directory / f"{name}.skops")

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TrainedTextComponent:
        try:
            with model_storage.read_from(resource) as directory:
                models = {name: load(directory / f"{name}.skops") for name in cls.MODEL_NAMES}
        except ValueError:
            models = {}
        if not all(models.get(name) for name in cls.MODEL_NAMES):
            logger.warning("%s was not trained: it leaves messages as they are.", cls.__name__)
            return cls(config, model_storage, resource, None)
        return cls(config, model_storage, resource, models)
