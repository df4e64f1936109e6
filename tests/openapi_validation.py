"""Checking HTTP responses against an OpenAPI 3.0 document: the status is declared for the path and method, and a
JSON body validates against the declared schema (with `$ref`s resolved and times carrying their UTC offset)."""

from __future__ import annotations

import copy
import re
from datetime import datetime
from typing import Any, Dict

import jsonschema
import requests

FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _date_time_with_offset(value: Any) -> bool:
    return not isinstance(value, str) or datetime.fromisoformat(value).utcoffset() is not None


def json_schema(node: Any) -> Any:
    """OpenAPI 3.0's schema objects as JSON Schema (draft 4): `nullable: true` becomes a type that admits null."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: json_schema(value) for key, value in node.items()}
    if converted.pop("nullable", False) is True:
        if "type" in converted:
            converted["type"] = [converted["type"], "null"]
        if "enum" in converted:
            converted["enum"] = converted["enum"] + [None]
    return converted


class OpenApi:
    def __init__(self, document: Dict[str, Any]):
        self.document = document
        self._schemas = json_schema(copy.deepcopy(document))
        self._resolver = jsonschema.RefResolver("", self._schemas)
        self._templates = {
            template: re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$")
            for template in document["paths"]
        }

    def template(self, path: str) -> str:
        matches = [t for t, pattern in self._templates.items() if pattern.match(path)]
        assert len(matches) == 1, f"{path} matches {matches} of the document's paths"
        return matches[0]

    def check(self, method: str, path: str, response: requests.Response) -> None:
        """Fails unless the document declares this response for the path and method, body included."""
        operation = self.document["paths"][self.template(path)].get(method.lower())
        assert operation is not None, f"{method} {path} is not in the document"
        declared = operation["responses"].get(str(response.status_code))
        assert declared is not None, f"{method} {path} answered {response.status_code}, not declared"
        declared = self._follow(declared)
        content_type = response.headers.get("content-type", "").split(";")[0].strip()
        media = declared.get("content") or {}
        if not media:
            assert not response.content, f"{method} {path} {response.status_code} declares no body"
            return
        declared_type = next(
            (t for t in media if t == content_type or (t.endswith("/*") and content_type.startswith(t[:-1]))), None
        )
        assert declared_type, f"{method} {path} {response.status_code} answered {content_type}, not {list(media)}"
        if declared_type == "application/json":
            self.validate(response.json(), media[declared_type]["schema"])

    def validate(self, instance: Any, schema: Dict[str, Any]) -> None:
        jsonschema.Draft4Validator(json_schema(schema), resolver=self._resolver, format_checker=FORMATS).validate(
            instance
        )

    def component(self, name: str) -> Dict[str, Any]:
        return {"$ref": f"#/components/schemas/{name}"}

    def _follow(self, node: Dict[str, Any]) -> Dict[str, Any]:
        while "$ref" in node:
            node = self._resolver.resolve(node["$ref"])[1]
        return node
