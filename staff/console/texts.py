"""The console's own words in English, Hindi and Punjabi (texts.json), chosen per user."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Dict, Mapping

from seva.catalogue import DEFAULT_LANGUAGE, LANGUAGES

TEXTS_FILE = Path(__file__).resolve().parent / "texts.json"


class Texts:
    def __init__(self, texts: Mapping[str, Mapping[str, str]]):
        self.texts = texts

    @classmethod
    def load(cls, path: Path = TEXTS_FILE) -> Texts:
        with path.open(encoding="utf-8") as f:
            data: Dict[str, Dict[str, str]] = json.load(f)["texts"]
        for key, by_language in data.items():
            missing = [language for language in LANGUAGES if not by_language.get(language)]
            if missing:
                raise ValueError(f"console text {key} has no {', '.join(missing)}")
        return cls(data)

    def of(self, language: str) -> Dict[str, str]:
        """Every text in one language, for a page to use as `t.key`."""
        chosen = language if language in LANGUAGES else DEFAULT_LANGUAGE
        return {key: by_language[chosen] for key, by_language in self.texts.items()}


@lru_cache(maxsize=1)
def load_texts() -> Texts:
    return Texts.load()
