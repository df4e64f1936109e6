"""Reading webhook notifications of every message type; nothing a sender can post makes the parser crash."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.whatsapp.payload import MalformedPayload, parse_notification, read_json
from tests import whatsapp_payloads as wa

CITIZEN = "919876543210"


def only_message(payload):
    notification = parse_notification(payload)
    assert len(notification.messages) == 1
    return notification.messages[0]


def test_text():
    message = only_message(wa.envelope([wa.text(CITIZEN, "garbage in my street")]))
    assert (message.sender, message.kind, message.text, message.readable) == (
        CITIZEN,
        "text",
        "garbage in my street",
        True,
    )
    assert message.profile_name == "Harpreet"


def test_a_tapped_button_or_list_row_reads_as_its_id():
    assert only_message(wa.envelope([wa.button_reply(CITIZEN, "/affirm", "Yes")])).text == "/affirm"
    row = '/inform{"complaint_category": "Garbage"}'
    assert only_message(wa.envelope([wa.list_reply(CITIZEN, row, "Garbage")])).text == row
    assert only_message(wa.envelope([wa.template_button(CITIZEN, "/file_complaint", "File")])).text == "/file_complaint"


def test_image_and_location():
    photo = only_message(wa.envelope([wa.image(CITIZEN, "1234567", caption="see this")]))
    assert (photo.kind, photo.media_id, photo.mime_type, photo.text) == ("image", "1234567", "image/jpeg", "see this")
    pin = only_message(wa.envelope([wa.location(CITIZEN, 31.326, 75.576)]))
    assert (pin.kind, pin.latitude, pin.longitude) == ("location", 31.326, 75.576)


@pytest.mark.parametrize("make", [wa.audio, wa.video, wa.document, wa.sticker, wa.reaction, wa.unsupported])
def test_kinds_seva_cannot_read_are_recognised_as_such(make):
    message = only_message(wa.envelope([make(CITIZEN)]))
    assert not message.readable


def test_every_entry_change_and_message_is_read():
    payload = wa.envelope([wa.text(CITIZEN, "one"), wa.text("919811111111", "two")])
    payload["entry"].append(wa.envelope([wa.text(CITIZEN, "three")])["entry"][0])
    payload["entry"][0]["changes"].append(wa.envelope([wa.text(CITIZEN, "four")])["entry"][0]["changes"][0])
    assert [m.text for m in parse_notification(payload).messages] == ["one", "two", "four", "three"]


def test_statuses_and_errors_are_not_messages():
    notification = parse_notification(wa.envelope(statuses=[wa.status(CITIZEN)], errors=[wa.value_error()]))
    assert notification.messages == []
    assert len(notification.statuses) == 1 and len(notification.errors) == 1


@pytest.mark.parametrize("body", [[], "text", 7, None, {"object": "page"}, {"entry": "x"}])
def test_json_that_is_not_a_notification_is_refused(body):
    with pytest.raises(MalformedPayload):
        parse_notification(body)


def test_broken_parts_are_skipped_not_fatal():
    payload = wa.envelope([wa.text(CITIZEN, "fine")])
    value = payload["entry"][0]["changes"][0]["value"]
    value["messages"] += [
        None,
        5,
        {"id": 3},
        {"from": CITIZEN, "id": "x", "type": "location", "location": {"latitude": "north"}},
    ]
    payload["entry"] += [None, {"changes": "nope"}, {"changes": [None, {"value": 3}]}]
    messages = parse_notification(payload).messages
    assert [m.text for m in messages if m.readable] == ["fine"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=30,
)
message_like = st.fixed_dictionaries(
    {
        "from": st.one_of(st.text(), st.integers()),
        "id": st.one_of(st.text(), st.none()),
        "type": st.sampled_from(["text", "image", "location", "interactive", "button", "audio", "x"]),
    },
    optional={
        "text": json_values,
        "image": json_values,
        "location": json_values,
        "interactive": json_values,
        "button": json_values,
    },
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, st.builds(lambda ms: wa.envelope(ms), st.lists(message_like, max_size=3))))
def test_fuzz_the_parser_never_fails_otherwise_than_with_malformed_payload(body):
    try:
        notification = parse_notification(body)
    except MalformedPayload:
        return
    for message in notification.messages:
        assert isinstance(message.text, str) and isinstance(message.sender, str)
        json.dumps(message.__dict__)


def test_a_system_update_is_news_for_the_logs_not_a_message():
    system = {
        "from": CITIZEN,
        "id": wa.new_id(),
        "timestamp": "1732790000",
        "type": "system",
        "system": {"body": "User changed number", "wa_id": "919800000000", "type": "user_changed_number"},
    }
    notification = parse_notification(wa.envelope([system]))
    assert notification.messages == [] and notification.system == [system]


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps(wa.envelope([wa.text(CITIZEN, "hi")])).encode("utf-16"),
        b'{"entry": [], "object": NaN}',
        b'{"entry": [{"changes": [{"value": {"x": Infinity}}]}]}',
        b"[" * 100_000 + b"]" * 100_000,
        b"\xff\xfe not utf-8",
    ],
)
def test_only_strict_utf8_json_is_read(raw):
    with pytest.raises(MalformedPayload):
        read_json(raw)


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_any_bytes_are_json_or_malformed(raw):
    try:
        read_json(raw)
    except MalformedPayload:
        pass
