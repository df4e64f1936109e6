"""The language a message is written in: ``en``, ``hi`` or ``pa``, added to the parse result as ``language_guess``.

Devanagari is Hindi and Gurmukhi is Punjabi. Latin letters can be any of the three ("gali mein kachra pada
hai" is Hindi, "gali vich kooda pya hai" Punjabi), so a small classifier over character n-grams tells them
apart. It learns from our own training data: each file in ``data/nlu/`` is one cell, named by its language and
script (``en.yml``, ``hi-latn.yml``, ``pa-latn.yml``, ...), and the Latin-script cells teach the classifier.
"""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.text_classifier import TrainedTextComponent, text_classifier
from seva.matching import normalise

logger = logging.getLogger(__name__)

GUESS = "language_guess"
SCRIPT_LANGUAGES = {"DEVANAGARI": "hi", "GURMUKHI": "pa"}


def script_of(text: str) -> Optional[str]:
    """The script most letters of the text are written in (LATIN, DEVANAGARI, GURMUKHI, ...), if any."""
    counts: Dict[str, int] = {}
    for ch in text:
        if ch.isalpha() or unicodedata.category(ch) in ("Mn", "Mc"):
            name = unicodedata.name(ch, "")
            if name:
                script = name.split()[0]
                counts[script] = counts.get(script, 0) + 1
    return max(counts, key=lambda script: counts[script]) if counts else None


def cell_language(cell: str) -> str:
    """`hi-latn` -> `hi`."""
    return cell.split("-")[0]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class LanguageGuesser(TrainedTextComponent):
    MODEL_NAMES = ("language",)

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"cells_dir": "data/nlu", "C": 10.0, "random_seed": 1}

    def train(self, training_data: TrainingData) -> Resource:
        from rasa.shared.nlu.training_data.loading import load_data

        texts, labels = [], []
        for path in sorted(Path(self._config["cells_dir"]).glob("*.yml")):
            for example in load_data(str(path)).intent_examples:
                text = example.get(TEXT)
                if script_of(text) == "LATIN":
                    texts.append(normalise(text))
                    labels.append(cell_language(path.stem))
        if len(set(labels)) < 2:
            logger.warning("Fewer than two Latin-script cells in %s: no language guessing.", self._config["cells_dir"])
            return self._resource
        self._models = {
            "language": text_classifier(
                C=self._config["C"],
                balanced=True,
                char_ngrams=(1, 4),
                random_seed=self._config["random_seed"],
                word_ngrams=(1, 1),
                sounds=False,
            ).fit(texts, labels)
        }
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue
            guess = self.guess(text)
            if guess:
                message.set(GUESS, guess, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def guess(self, text: str) -> Optional[Dict[str, Any]]:
        script = script_of(text)
        if script in SCRIPT_LANGUAGES:
            return {"language": SCRIPT_LANGUAGES[script], "script": script.lower(), "confidence": 1.0}
        if script != "LATIN" or self._models is None:
            return None
        model = self._models["language"]
        probabilities = model.predict_proba([normalise(text)])[0]
        best = probabilities.argmax()
        return {
            "language": str(model.classes_[best]),
            "script": "latin",
            "confidence": round(float(probabilities[best]), 4),
        }
