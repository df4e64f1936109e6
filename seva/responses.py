"""Response templates: what staff can say to a citizen with one click when they act, in English, Hindi and
Punjabi (catalogue/response_templates.json). Staff pick one in their own language; the citizen hears it in theirs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Mapping, Optional, Tuple

from seva.catalogue import CATALOGUE_DIR, LANGUAGES

TEMPLATES_FILE = CATALOGUE_DIR / "response_templates.json"


@dataclass(frozen=True)
class ResponseTemplate:
    code: str
    actions: Tuple[str, ...]
    texts: Mapping[str, str]

    def text(self, language: str) -> str:
        return self.texts.get(language) or self.texts["en"]


class ResponseTemplates:
    def __init__(self, templates: Mapping[str, ResponseTemplate]):
        self.templates = templates

    @classmethod
    def load(cls, path=TEMPLATES_FILE) -> ResponseTemplates:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)["templates"]
        templates: Dict[str, ResponseTemplate] = {}
        for code, entry in data.items():
            missing = [language for language in LANGUAGES if not entry.get(language)]
            if missing:
                raise ValueError(f"response template {code} has no text in {', '.join(missing)}")
            templates[code] = ResponseTemplate(code, tuple(entry["actions"]), {k: entry[k] for k in LANGUAGES})
        return cls(templates)

    def get(self, code: Optional[str]) -> Optional[ResponseTemplate]:
        return self.templates.get(code or "")

    def for_action(self, action: str) -> Tuple[ResponseTemplate, ...]:
        return tuple(t for t in self.templates.values() if action in t.actions)

    def fits(self, code: str, action: str) -> bool:
        template = self.templates.get(code)
        return template is not None and action in template.actions

    def citizen_comment(self, code: Optional[str], comment: Optional[str], language: str) -> Optional[str]:
        """What the citizen is told of an action: the chosen template in their language, then staff's own words."""
        template = self.get(code)
        parts = [p for p in (template.text(language) if template else None, comment) if p]
        return "\n".join(parts) or None


@lru_cache(maxsize=1)
def load_responses() -> ResponseTemplates:
    return ResponseTemplates.load()
