"""What the REST channel takes from a request body, and what it refuses."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.rest import BoundedRestInput, MalformedMessage, parse_message
from seva.bootstrap import build
from seva.settings import Settings, WhatsAppSettings


def body(**fields):
    return json.dumps(fields).encode()


def test_the_sender_is_namespaced_and_the_message_cleaned():
    message = parse_message(body(sender="919812345678", message="kachra\x00 pada hai \ud800"))
    assert message.sender == "rest:919812345678"
    assert message.text == "kachra pada hai \ufffd"


def test_only_the_documented_metadata_is_kept():
    message = parse_message(
        body(
            sender="s",
            message="📷",
            metadata={
                "image": {"uri": "https://example.org/a.jpg", "mime_type": "text/html"},
                "location": {"latitude": 31.3, "longitude": 75.5},
                "input_channel": "whatsapp",
            },
        )
    )
    assert message.metadata == {
        "image": {"uri": "https://example.org/a.jpg"},
        "location": {"latitude": 31.3, "longitude": 75.5},
    }


@pytest.mark.parametrize(
    "raw",
    [
        b"[1, 2]",
        b'"text"',
        b"nul",
        b"\xff\xfe",
        b'{"sender": "s", "message": NaN}',
        b"[" * 100_000,
        body(sender="", message="hi"),
        body(sender="s" * 129, message="hi"),
        body(sender="s", message=None),
        body(sender="s", message="hi", metadata={"location": {"latitude": "31"}}),
        body(sender="s", message="hi", metadata={"location": {"latitude": True, "longitude": 1}}),
    ],
)
def test_what_is_not_a_message_is_refused(raw):
    with pytest.raises(MalformedMessage):
        parse_message(raw)


@given(
    st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
        max_leaves=30,
    )
)
def test_any_json_is_a_message_or_a_refusal(value):
    try:
        message = parse_message(json.dumps(value).encode())
    except MalformedMessage:
        return
    assert message.sender.startswith("rest:") and isinstance(message.text, str)


def test_the_rest_channel_is_off_beside_whatsapp_unless_it_has_a_token(tmp_path):
    def channel(**settings):
        return BoundedRestInput(build(Settings(database_url=f"sqlite:///{tmp_path / 'seva.db'}", **settings)))

    whatsapp = WhatsAppSettings(app_secret="secret")
    assert channel().open
    assert not channel(whatsapp=whatsapp).open
    with_token = channel(whatsapp=whatsapp, rest_channel_token="t0ken")
    assert with_token.open and with_token.authorised("Bearer t0ken")
    assert not with_token.authorised("Bearer t0ke") and not with_token.authorised(None)
    assert not with_token.authorised("Bearer ਟੋਕਨ")
