"""Which PGR service a message is about, as a ``complaint_type`` entity whose value is the service code.

A complaint is rarely named by one phrase ("the light on our pole has been off since Diwali"), so the whole
message is classified, in two steps: does it describe a problem at all, and if so, which service is it.
The labels come from the training data: an example carrying a ``complaint_type`` annotation teaches that
service; every other example teaches "no complaint type". The catalogue's service names (in all three
languages) are examples too. Place names are masked first, so that a town does not become evidence of a
problem ("Kapurthala" appearing in a few pothole examples).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.pipeline import Pipeline

from components.places import with_places_as
from components.text_classifier import TrainedTextComponent, text_classifier
from seva.catalogue import load_catalogue
from seva.clauses import adds, clauses
from seva.matching import normalise

logger = logging.getLogger(__name__)

ENTITY = "complaint_type"
NO_TYPE = "-"
COMPLAINT = "complaint"
RANKING = "complaint_type_ranking"
CHOICES = "complaint_type_choices"
ALSO = "complaint_type_also"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class ComplaintTypeClassifier(TrainedTextComponent, EntityExtractorMixin):
    MODEL_NAMES = ("complaint", "service")

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # A message is a complaint from this probability up...
            "complaint_threshold": 0.5,
            # ...and its best service is reported from this probability up (else the form asks the category).
            "service_threshold": 0.1,
            "ranking_length": 3,
            # When the second likeliest service is at least this share of the likeliest, the citizen is asked
            # which of the two it is (`complaint_type_choices`) instead of given a guess.
            "close_ratio": 0.0,
            # A part of the message of at least this many words, read on its own as a problem of another category
            # with at least this probability, is a second problem; a part that says it adds ("... bhi pada h")
            # needs less. Measured on the realistic sets' second problems (`make evaluate`).
            "also_min_words": 3,
            "also_threshold": 0.7,
            "also_added_threshold": 0.3,
            "C": 20.0,
            "char_ngram_range": [3, 5],
            "random_seed": 1,
        }

    def train(self, training_data: TrainingData) -> Resource:
        texts = [features_text(example.get(TEXT)) for example in training_data.intent_examples]
        labels = [label_of(example) for example in training_data.intent_examples]
        if len(set(labels)) < 3:
            logger.warning("Too few complaint_type annotations in the training data: the classifier stays empty.")
            return self._resource
        catalogue = load_catalogue()
        names = [(normalise(name), s.code) for s in catalogue.services.values() for name in set(s.names.values())]
        typed = [(t, label) for t, label in zip(texts, labels) if label != NO_TYPE] + names
        is_complaint = [COMPLAINT if label != NO_TYPE else NO_TYPE for label in labels]
        self._models = {
            "complaint": self._pipeline(balanced=True).fit(
                texts + [t for t, _ in names], is_complaint + [COMPLAINT] * len(names)
            ),
            "service": self._pipeline(balanced=False).fit([t for t, _ in typed], [label for _, label in typed]),
        }
        self.persist()
        return self._resource

    def _pipeline(self, balanced: bool) -> Pipeline:
        return text_classifier(
            C=self._config["C"],
            balanced=balanced,
            char_ngrams=self._config["char_ngram_range"],
            random_seed=self._config["random_seed"],
        )

    def process(self, messages: List[Message]) -> List[Message]:
        if self._models is None:
            return messages
        for message in messages:
            text = message.get(TEXT) or ""
            # Button payloads ("/inform{...}") carry their entities already; a photo or pin alone names no problem.
            if not normalise(text) or text.startswith("/"):
                continue
            complaint_probability, ranking = self.rank(text)
            message.set(RANKING, ranking, add_to_output=True)
            best = ranking[0]
            if complaint_probability < self._config["complaint_threshold"]:
                continue
            also = self.second_problem(text, best["value"])
            if also:
                message.set(ALSO, also, add_to_output=True)
            if _close(ranking, self._config["close_ratio"]):
                message.set(CHOICES, [r["value"] for r in ranking[:2]], add_to_output=True)
                continue
            if best["confidence"] >= self._config["service_threshold"]:
                entity = {
                    "entity": ENTITY,
                    "value": best["value"],
                    "start": 0,
                    "end": len(text),
                    "confidence": round(complaint_probability * best["confidence"], 4),
                }
                message.set(
                    ENTITIES,
                    message.get(ENTITIES, []) + self.add_extractor_name([entity]),
                    add_to_output=True,
                )
        return messages

    def rank(self, text: str) -> Tuple[float, List[Dict[str, Any]]]:
        """(the probability that the text describes a problem, the likeliest services if it does)."""
        prepared = [features_text(text)]
        gate = self.models["complaint"]
        complaint_probability = float(gate.predict_proba(prepared)[0][list(gate.classes_).index(COMPLAINT)])
        service = self.models["service"]
        probabilities = service.predict_proba(prepared)[0]
        order = probabilities.argsort()[::-1][: self._config["ranking_length"]]
        ranking = [{"value": str(service.classes_[i]), "confidence": round(float(probabilities[i]), 4)} for i in order]
        return complaint_probability, ranking

    def second_problem(self, text: str, first: str) -> Optional[str]:
        """The service of a problem of another category than the first's told in a part of the message, or None."""
        services = load_catalogue().services
        taken = services[first].category if first in services else None
        found: Optional[Dict[str, Any]] = None
        parts = [part for part in clauses(text) if len(part.split()) >= self._config["also_min_words"]]
        for part in parts if len(parts) > 1 else []:
            probability, ranking = self.rank(part)
            top = ranking[0]
            needed = self._config["also_added_threshold" if adds(part) else "also_threshold"]
            if probability < self._config["complaint_threshold"] or top["confidence"] < needed:
                continue
            if top["value"] in services and services[top["value"]].category != taken:
                if found is None or top["confidence"] > found["confidence"]:
                    found = top
        return found["value"] if found else None


def _close(ranking: List[Dict[str, Any]], ratio: float) -> bool:
    return ratio > 0 and len(ranking) > 1 and ranking[1]["confidence"] >= ratio * ranking[0]["confidence"]


def features_text(text: str) -> str:
    """The message without the names of places in it, normalised."""
    return with_places_as(text, "")


def label_of(example: Message) -> str:
    for entity in example.get(ENTITIES) or []:
        if entity.get("entity") == ENTITY:
            return entity.get("value") or NO_TYPE
    return NO_TYPE
