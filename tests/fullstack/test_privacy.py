"""Who may speak for whom, on the running Seva: a REST client is never a WhatsApp citizen, Rasa's HTTP API needs
its token, and the REST channel its own; malformed REST bodies get a 4xx, never a 500."""

import uuid

import pytest
import requests
from sqlalchemy import select

from seva.models import Complaint
from tests.helpers import a_draft

pytestmark = pytest.mark.fullstack


def whatsapp_number():
    return f"9198{uuid.uuid4().int % 10**8:08d}"


def rest(servers, body, token=None, **kwargs):
    # Bytes, so that a header of any characters goes out as a client could send it.
    headers = {"Authorization": f"Bearer {token or servers.rest_token}".encode()}
    return requests.post(f"{servers.url}/webhooks/rest/webhook", headers=headers, timeout=60, **kwargs, json=body)


def texts(replies):
    return " ".join(r.get("text", "") for r in replies)


def test_a_rest_client_naming_a_whatsapp_number_sees_none_of_its_complaints(servers, live):
    number = whatsapp_number()
    filed, _ = live.complaints.file(number, "whatsapp", "en", a_draft(), f"{number}:1")
    assert "no complaints" in texts(servers.say(number, "my complaints"))
    assert "couldn't find" in texts(servers.say(number, f"status of {filed.number}"))
    assert "no resolved or rejected complaint" in texts(servers.say(number, "I want to rate my complaint"))


def test_a_complaint_filed_over_rest_is_a_rest_one_whatever_the_body_claims(servers, live):
    sender = f"tester-{uuid.uuid4().hex[:6]}"
    body = {"sender": sender, "input_channel": "whatsapp"}
    # A place of its own: another test's garbage in Baltana would be offered as the same problem.
    for message in ("garbage not collected for 4 days in VIP Road, Zirakpur", "skip", "yes"):
        rest(servers, {**body, "message": message}).raise_for_status()
    with live.database.session() as session:
        row = session.scalars(select(Complaint).where(Complaint.sender_id == f"rest:{sender}")).one()
        assert row.channel == "rest"


def test_the_rest_channel_needs_its_token(servers):
    body = {"sender": "tester", "message": "hi"}
    assert rest(servers, body, token="wrong").status_code == 401
    assert rest(servers, body, token="ਗਲਤ").status_code == 401
    assert requests.post(f"{servers.url}/webhooks/rest/webhook", json=body, timeout=10).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        ["a", "list"],
        "a string",
        42,
        {"sender": ["x"], "message": "hi"},
        {"sender": "x"},
        {"sender": "x", "message": "hi", "metadata": "photo"},
        {"sender": "x", "message": "hi", "metadata": {"image": "https://e.org/a.jpg"}},
        {"sender": "x", "message": "hi", "metadata": {"image": ["a"]}},
    ],
)
def test_a_malformed_rest_body_gets_400(servers, body):
    answer = rest(servers, body)
    assert answer.status_code == 400 and "Malformed message" in answer.json()["error"]


def test_a_nul_or_a_lone_surrogate_in_a_message_still_gets_an_answer(servers):
    raw = b'{"sender": "tester-nul", "message": "hi \\u0000 there \\ud800"}'
    answer = requests.post(
        f"{servers.url}/webhooks/rest/webhook",
        data=raw,
        timeout=60,
        headers={"Authorization": f"Bearer {servers.rest_token}", "Content-Type": "application/json"},
    )
    assert answer.status_code == 200 and texts(answer.json())


def test_rasas_http_api_needs_its_token(servers):
    sender = f"tester-{uuid.uuid4().hex[:6]}"
    servers.say(sender, "hi")
    conversation = f"{servers.url}/conversations/rest:{sender}/tracker"
    assert requests.get(conversation, timeout=10).status_code == 401
    trigger = f"{servers.url}/conversations/{whatsapp_number()}/trigger_intent"
    assert (
        requests.post(trigger, params={"output_channel": "whatsapp"}, json={"name": "greet"}, timeout=10).status_code
        == 401
    )
    assert requests.get(conversation, params={"token": servers.token}, timeout=10).ok
