"""Places, complaint numbers and language names found in a message, with normalised values.

``city`` is the tenant id (``pb.jalandhar``) whatever script or spelling the citizen used; ``locality`` is the
locality's name as the municipality writes it; ``complaint_id`` is the complaint number, upper-cased;
``language`` is ``en``, ``hi`` or ``pa``. The knowledge comes from the catalogue files, so nothing here is
trained and a new town or locality needs no retraining.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from seva.languages import language_names_in
from seva.matching import Gazetteer, load_gazetteer
from seva.numbering import find_numbers


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class CatalogueEntityExtractor(GraphComponent, EntityExtractorMixin):
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CatalogueEntityExtractor:
        return cls(load_gazetteer())

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text.strip() or text.startswith("/"):
                continue
            found = self.extract(text)
            if found:
                message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found), add_to_output=True)
        return messages

    def extract(self, text: str) -> List[Dict[str, Any]]:
        entities = [_entity("complaint_id", number, start, end) for number, start, end in find_numbers(text)]
        numbers = [(e["start"], e["end"]) for e in entities]
        entities += [_entity("language", code, start, end) for code, start, end in language_names_in(text)]
        cities = [m for m in self.gazetteer.find_cities(text) if not _inside(m.start, m.end, numbers)]
        for city in cities:
            entities.append(_entity("city", city.key, city.start, city.end, city.score))
        taken = numbers + [(c.start, c.end) for c in cities]
        for tenant_id in {c.key for c in cities}:
            for locality in self.gazetteer.find_localities(tenant_id, text):
                if not _overlaps(locality.start, locality.end, taken):
                    entities.append(_entity("locality", locality.name, locality.start, locality.end, locality.score))
        return entities


def _entity(kind: str, value: str, start: int, end: int, score: float = 100.0) -> Dict[str, Any]:
    return {"entity": kind, "value": value, "start": start, "end": end, "confidence": round(score / 100.0, 4)}


def _inside(start: int, end: int, spans: List[tuple]) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def _overlaps(start: int, end: int, spans: List[tuple]) -> bool:
    return any(start < e and s < end for s, e in spans)
