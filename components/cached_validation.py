"""Rasa checks every answer of the action server with `jsonschema.validate`, which first checks the schema itself
against JSON Schema's meta-schema (Draft 2020-12, slow to walk) and builds a new validator: half of Seva's time per
message went there (`make profile`). The schemas are Rasa's constants, so each is checked once and its validator
kept; an instance is judged exactly as `jsonschema.validate` judges it."""

from __future__ import annotations

import json
from typing import Any, Dict

import jsonschema
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for

_uncached_validate = jsonschema.validate
_validators: Dict[str, Any] = {}


def validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
    if cls is not None or args or kwargs:
        _uncached_validate(instance, schema, cls, *args, **kwargs)
        return
    key = json.dumps(schema, sort_keys=True, default=str)
    validator = _validators.get(key)
    if validator is None:
        checked = validator_for(schema)
        checked.check_schema(schema)
        validator = _validators[key] = checked(schema)
    error = best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


def install() -> None:
    """Rasa imports `validate` from jsonschema inside each call, so replacing it there takes effect at once."""
    jsonschema.validate = validate
