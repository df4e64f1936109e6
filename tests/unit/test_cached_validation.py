"""Rasa's check of the action server's answers, with each schema checked once: the same verdicts as jsonschema's."""

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from components import cached_validation

SPEC = RemoteAction.action_response_format_spec()
GOOD = {"events": [{"event": "slot", "name": "language", "value": "pa"}], "responses": [{"text": "ਸਤ ਸ੍ਰੀ ਅਕਾਲ"}]}
KINDS = sorted(kind["properties"]["event"]["const"] for kind in SPEC["properties"]["events"]["items"]["oneOf"])
BAD = [{"events": [{"name": "language"}]}, {"events": "none"}, {"events": [{"event": 7}]}]


def test_seva_installs_it_for_rasa():
    assert jsonschema.validate is cached_validation.validate


def test_a_good_answer_passes_and_a_bad_one_fails_with_jsonschemas_own_message():
    cached_validation.validate(GOOD, SPEC)
    for answer in BAD:
        with pytest.raises(jsonschema.ValidationError) as expected:
            cached_validation._uncached_validate(answer, SPEC)
        with pytest.raises(jsonschema.ValidationError) as cached:
            cached_validation.validate(answer, SPEC)
        assert cached.value.message == expected.value.message, answer


def test_rasas_check_of_an_action_servers_answer_goes_through_it():
    action = RemoteAction("action_anything", EndpointConfig("http://localhost:5055/webhook"))
    assert action._validate_action_result(GOOD)
    with pytest.raises(jsonschema.ValidationError):
        action._validate_action_result(BAD[0])


def test_each_schema_is_checked_against_the_meta_schema_once(monkeypatch):
    checked = []

    class Counting:
        """The validator class jsonschema would choose, its checks of a schema counted."""

        def __init__(self, schema):
            self.cls = validator_for(schema)

        def check_schema(self, schema):
            checked.append(schema)
            self.cls.check_schema(schema)

        def __call__(self, schema):
            return self.cls(schema)

    def counting(schema):
        return Counting(schema)

    monkeypatch.setattr(cached_validation, "_by_id", {})
    monkeypatch.setattr(cached_validation, "_by_json", {})
    monkeypatch.setattr(cached_validation, "validator_for", counting)
    for _ in range(3):
        cached_validation.validate(GOOD, RemoteAction.action_response_format_spec())
    assert len(checked) == 1
    with pytest.raises(jsonschema.SchemaError):
        cached_validation.validate({}, {"type": "no such type"})


# Answers an action server might give, right and wrong: the events and responses of Rasa's schema, and junk.
_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5))
_value = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
_event = st.fixed_dictionaries(
    {"event": st.one_of(st.sampled_from(KINDS), _scalar)},
    optional={
        "name": _value,
        "value": _value,
        "timestamp": _value,
        "text": _value,
        "intent": _value,
        "date_time": _value,
    },
)
_answer = st.one_of(
    _value,
    st.fixed_dictionaries(
        {},
        optional={
            "events": st.one_of(st.lists(_event, max_size=3), _value),
            "responses": st.one_of(
                st.lists(st.dictionaries(st.text(max_size=6), _value, max_size=3), max_size=2), _value
            ),
        },
    ),
)


@settings(max_examples=200, deadline=None)
@given(_answer)
def test_the_compiled_check_judges_every_answer_as_jsonschema_does(answer):
    try:
        cached_validation._uncached_validate(answer, SPEC)
        valid = True
    except jsonschema.ValidationError:
        valid = False
    try:
        cached_validation.validate(answer, SPEC)
        assert valid, answer
    except jsonschema.ValidationError:
        assert not valid, answer
