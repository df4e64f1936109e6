"""Examples a trainer accepts go into their cell's training data: under their intent, valid for Rasa, never twice,
and never a near copy of a message we measure on."""

import shutil

import pytest
import yaml
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from scripts.held_apart import measured_messages
from trainer.training_data import DATA, Refused, add_example


@pytest.fixture
def data(tmp_path):
    for path in DATA.glob("*.yml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def examples_of(path, intent):
    blocks = yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]
    return [line for b in blocks if b.get("intent") == intent for line in b["examples"].splitlines()]


def test_an_accepted_complaint_goes_under_its_intent_with_its_type_over_the_whole_message(data):
    before = (data / "hi-latn.yml").read_text(encoding="utf-8")
    line = add_example(
        "hi-latn", "gutter ka dhakkan [toota] pada hai", "file_complaint", "BlockOrOverflowingSewage", data
    )
    assert (
        line == '[gutter ka dhakkan (toota) pada hai]{"entity": "complaint_type", "value": "BlockOrOverflowingSewage"}'
    )
    assert f"- {line}" in examples_of(data / "hi-latn.yml", "file_complaint")
    after = (data / "hi-latn.yml").read_text(encoding="utf-8")
    # Only the one line is new: the comments and layout of the hand-written file stay.
    assert len(after.splitlines()) == len(before.splitlines()) + 1
    parsed = RasaYAMLReader().reads(after)
    message = next(m for m in parsed.intent_examples if m.get("text") == "gutter ka dhakkan (toota) pada hai")
    assert message.get("intent") == "file_complaint"
    assert [(e["entity"], e["value"]) for e in message.get("entities")] == [
        ("complaint_type", "BlockOrOverflowingSewage")
    ]


def test_masked_personal_data_is_written_as_a_stand_in_of_the_same_shape(data):
    line = add_example("en", "whats the status of <complaint number> pls", "track_complaint", data=data)
    assert line == "whats the status of PB-PGR-2026-01-15-000123 pls"


def test_an_intent_the_cell_has_no_block_for_gets_a_new_block(data):
    path = data / "pa.yml"
    blocks = yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]
    missing = next(
        i for i in yaml.safe_load(open("domain.yml"))["intents"] if i not in {b.get("intent") for b in blocks}
    )
    add_example("pa", "ਇਹ ਇੱਕ ਨਵੀਂ ਕਿਸਮ ਦੀ ਗੱਲ ਹੈ ਜੀ", missing, data=data)
    assert examples_of(path, missing) == ["- ਇਹ ਇੱਕ ਨਵੀਂ ਕਿਸਮ ਦੀ ਗੱਲ ਹੈ ਜੀ"]


def test_an_example_is_never_added_twice(data):
    add_example("en", "the drain cover near ward office is missing", "file_complaint", data=data)
    with pytest.raises(Refused, match="has it already"):
        add_example("en", "The drain cover, near ward office, is missing!", "file_complaint", data=data)


def test_a_near_copy_of_a_held_out_message_is_refused_and_the_file_is_left_as_it_was(data):
    measured = next(m for m in measured_messages("en") if len(m.split()) >= 5)
    before = (data / "en.yml").read_text(encoding="utf-8")
    with pytest.raises(Refused, match="near copy of a message we measure on"):
        add_example("en", measured, "file_complaint", data=data)
    assert (data / "en.yml").read_text(encoding="utf-8") == before


def test_an_unknown_cell_or_a_message_without_words_is_refused(data):
    with pytest.raises(Refused, match="no training data for the cell"):
        add_example("ta", "kuppai", "file_complaint", data=data)
    with pytest.raises(Refused, match="no words"):
        add_example("en", "👍👍", "affirm", data=data)
