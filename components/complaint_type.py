"""Which PGR service a message is about, as a ``complaint_type`` entity whose value is the service code.

A complaint is rarely named by one phrase ("the light on our pole has been off since Diwali"), so the whole
message is classified. The labels come from the training data: an example of ``file_complaint`` carrying a
``complaint_type`` annotation teaches that service; every other example teaches "no complaint type".
Character n-grams within words and whitespace-separated words are used, both of which keep Devanagari and
Gurmukhi words whole (scikit-learn's default word pattern would split them at vowel signs).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.matching import normalise

logger = logging.getLogger(__name__)

ENTITY = "complaint_type"
NO_TYPE = "-"
RANKING = "complaint_type_ranking"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class ComplaintTypeClassifier(GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # A service is reported as the entity from this probability up; below it only the ranking is kept.
            "threshold": 0.45,
            "ranking_length": 3,
            "C": 20.0,
            "char_ngram_range": [2, 5],
            "random_seed": 1,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        pipeline: Optional[Pipeline] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._pipeline = pipeline

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ComplaintTypeClassifier:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        texts, labels = [], []
        for example in training_data.intent_examples:
            texts.append(normalise(example.get(TEXT)))
            labels.append(label_of(example))
        if len(set(labels)) < 2:
            logger.warning("No complaint_type annotations in the training data: the classifier stays empty.")
            return self._resource
        low, high = self._config["char_ngram_range"]
        self._pipeline = Pipeline(
            [
                (
                    "features",
                    FeatureUnion(
                        [
                            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(low, high), sublinear_tf=True)),
                            ("words", TfidfVectorizer(token_pattern=r"\S+", ngram_range=(1, 2), sublinear_tf=True)),
                        ]
                    ),
                ),
                (
                    "classifier",
                    LogisticRegression(
                        C=self._config["C"],
                        max_iter=3000,
                        class_weight="balanced",
                        random_state=self._config["random_seed"],
                    ),
                ),
            ]
        )
        self._pipeline.fit(texts, labels)
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self._pipeline is None:
            return messages
        for message in messages:
            text = message.get(TEXT) or ""
            # Button payloads ("/inform{...}") carry their entities already.
            if not text.strip() or text.startswith("/"):
                continue
            ranking = self.rank(text)
            message.set(RANKING, ranking, add_to_output=True)
            best = ranking[0] if ranking else None
            if best and best["value"] != NO_TYPE and best["confidence"] >= self._config["threshold"]:
                entity = {
                    "entity": ENTITY,
                    "value": best["value"],
                    "start": 0,
                    "end": len(text),
                    "confidence": best["confidence"],
                }
                message.set(
                    ENTITIES,
                    message.get(ENTITIES, []) + self.add_extractor_name([entity]),
                    add_to_output=True,
                )
        return messages

    def rank(self, text: str) -> List[Dict[str, Any]]:
        probabilities = self._pipeline.predict_proba([normalise(text)])[0]
        order = probabilities.argsort()[::-1][: self._config["ranking_length"]]
        classes = self._pipeline.classes_
        return [{"value": str(classes[i]), "confidence": round(float(probabilities[i]), 4)} for i in order]

    def persist(self) -> None:
        import skops.io as sio

        with self._model_storage.write_to(self._resource) as directory:
            sio.dump(self._pipeline, directory / "complaint_type.skops")

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ComplaintTypeClassifier:
        import skops.io as sio

        try:
            with model_storage.read_from(resource) as directory:
                path = directory / "complaint_type.skops"
                pipeline = sio.load(path, trusted=sio.get_untrusted_types(file=path))
        except (ValueError, FileNotFoundError):
            logger.warning("The complaint type classifier was not trained; no complaint types will be found.")
            pipeline = None
        return cls(config, model_storage, resource, pipeline)


def label_of(example: Message) -> str:
    for entity in example.get(ENTITIES) or []:
        if entity.get("entity") == ENTITY:
            return entity.get("value") or NO_TYPE
    return NO_TYPE
