"""Rasa checks every answer of the action server with `jsonschema.validate`, which first checks the schema itself
against JSON Schema's meta-schema (Draft 2020-12, slow to walk), builds a new validator, and then walks the answer:
more than half of Seva's time per message went there (`make profile`). The schemas are Rasa's constants, so each is
checked once and compiled to Python once (fastjsonschema).

Each event of an answer is one of 23 kinds (`oneOf`), told apart by its `event` name: a plain check tries all 23, so
the compiled check tries only the kind the event names, which is the same verdict (the others fail on the name).
An answer the compiled check takes is valid; one it refuses is judged again by jsonschema, so that the error raised
is exactly `jsonschema.validate`'s."""

from __future__ import annotations

import copy
import json
from typing import Any, Callable, Dict, Optional, Tuple

import fastjsonschema
import jsonschema
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for

_uncached_validate = jsonschema.validate
EVENTS, KIND = "events", "event"
# By the schema's identity (Rasa's schemas are module constants or built once per action), with the schema kept
# alive so that its id is not reused; by its JSON for an equal schema built again.
_by_id: Dict[int, Tuple[Any, Tuple[Any, Callable[[Any], Any]]]] = {}
_by_json: Dict[str, Tuple[Any, Callable[[Any], Any]]] = {}


def validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
    if cls is not None or args or kwargs:
        _uncached_validate(instance, schema, cls, *args, **kwargs)
        return
    validator, compiled = _checks(schema)
    try:
        compiled(instance)
        return
    except fastjsonschema.JsonSchemaException:
        pass
    error = best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


def _checks(schema: Any) -> Tuple[Any, Callable[[Any], Any]]:
    known = _by_id.get(id(schema))
    if known is not None and known[0] is schema:
        return known[1]
    key = json.dumps(schema, sort_keys=True, default=str)
    checks = _by_json.get(key)
    if checks is None:
        checked = validator_for(schema)
        checked.check_schema(schema)
        checks = _by_json[key] = (checked(schema), _compiled(schema))
    _by_id[id(schema)] = (schema, checks)
    return checks


def _compiled(schema: Any) -> Callable[[Any], Any]:
    try:
        return _by_kind(schema) or fastjsonschema.compile(schema)
    except fastjsonschema.JsonSchemaDefinitionException:
        # A schema fastjsonschema cannot compile: every answer goes to jsonschema.
        return _refuse


def _by_kind(schema: Any) -> Optional[Callable[[Any], Any]]:
    """The check of Rasa's action answer, each event against the one kind its name gives; None for other schemas."""
    try:
        items = schema["properties"][EVENTS]["items"]
        kinds = {kind["properties"][KIND]["const"]: kind for kind in items["oneOf"]}
        named = KIND in items["required"] and items["properties"][KIND] == {"type": "string"}
    except (KeyError, TypeError):
        return None
    if not named or len(kinds) != len(items["oneOf"]):
        return None
    outer = copy.deepcopy(schema)
    del outer["properties"][EVENTS]["items"]["oneOf"]
    whole = fastjsonschema.compile(outer)
    each = {name: fastjsonschema.compile(kind) for name, kind in kinds.items()}

    def check(instance: Any) -> None:
        whole(instance)
        for event in instance.get(EVENTS) or [] if isinstance(instance, dict) else []:
            kind = each.get(event[KIND])
            if kind is None:
                raise fastjsonschema.JsonSchemaException(f"no event kind {event[KIND]!r}")
            kind(event)

    return check


def _refuse(instance: Any) -> Any:
    raise fastjsonschema.JsonSchemaException("not compiled")


def install() -> None:
    """Rasa imports `validate` from jsonschema inside each call, so replacing it there takes effect at once."""
    jsonschema.validate = validate
