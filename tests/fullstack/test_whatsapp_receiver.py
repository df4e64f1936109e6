"""The WhatsApp receiver beside the running Seva: it answers Meta, records each message once, and hands it to Rasa,
whose replies reach the stand-in Graph API; a hand-on that fails loses nothing."""

import json
import time

import pytest
import requests

from tests import whatsapp_payloads as wa
from tests.fullstack.test_whatsapp_channel import SECRET, choices, shown
from tests.helpers import WHATSAPP, a_whatsapp_citizen
from tests.servers import ReceiverServer, free_port

pytestmark = pytest.mark.fullstack


@pytest.fixture(scope="module")
def receiver(servers, tmp_path_factory):
    running = ReceiverServer(servers.env, servers.url, tmp_path_factory.mktemp("receiver") / "receiver.log").start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def receiver_without_rasa(servers, tmp_path_factory):
    """A receiver whose replica is gone: nothing listens where it hands messages on."""
    gone = f"http://127.0.0.1:{free_port()}"
    running = ReceiverServer(servers.env, gone, tmp_path_factory.mktemp("receiver") / "lonely.log").start()
    yield running
    running.stop()


def post(url, body, secret=SECRET):
    signed = wa.signed(body, secret)
    return requests.post(url, data=signed["data"], headers=signed["headers"], timeout=10)


def test_meta_verifies_the_receiver_as_it_would_rasa(receiver):
    params = {"hub.mode": "subscribe", "hub.verify_token": WHATSAPP["WHATSAPP_VERIFY_TOKEN"], "hub.challenge": "42"}
    ok = requests.get(receiver.webhook_url, params=params, timeout=10)
    assert (ok.status_code, ok.text) == (200, "42")
    wrong = requests.get(receiver.webhook_url, params={**params, "hub.verify_token": "guess"}, timeout=10)
    assert wrong.status_code == 403


def test_a_message_through_the_receiver_is_answered_on_whatsapp(receiver, graph_api, live):
    sender = a_whatsapp_citizen(live, "9193")
    answer = post(receiver.webhook_url, wa.envelope([wa.text(sender, "hi")]))
    assert (answer.status_code, answer.json()) == (200, {"status": "received"})
    replies = graph_api.wait_for(sender, 2)
    assert "Seva" in shown(replies)
    assert choices(replies[0])[0] == ("English", '/choose_language{"language": "en"}')


def test_a_message_meta_delivers_twice_is_answered_once(receiver, graph_api, live):
    sender = a_whatsapp_citizen(live, "9193")
    message = wa.text(sender, "hi")
    assert post(receiver.webhook_url, wa.envelope([message])).status_code == 200
    first = graph_api.wait_for(sender, 2)
    assert post(receiver.webhook_url, wa.envelope([message])).status_code == 200
    time.sleep(3)
    assert graph_api.sent_to(sender) == first


def test_forged_malformed_or_huge_webhooks_are_refused_and_nothing_is_sent(receiver, graph_api, live):
    sender = a_whatsapp_citizen(live, "9193")
    body = wa.envelope([wa.text(sender, "hi")])
    assert post(receiver.webhook_url, body, secret="not-the-secret").status_code == 403
    unsigned = requests.post(receiver.webhook_url, data=json.dumps(body), timeout=10)
    assert unsigned.status_code == 403
    broken = wa.signed({"entry": "not a list"}, SECRET)
    assert (
        requests.post(receiver.webhook_url, data=broken["data"], headers=broken["headers"], timeout=10).status_code
        == 400
    )
    huge = wa.envelope([wa.text(sender, "x" * (10 * 1024 * 1024))])
    assert post(receiver.webhook_url, huge).status_code == 413
    time.sleep(3)
    assert graph_api.sent_to(sender) == []


def test_rasa_takes_hand_ons_signed_with_the_app_secret_only(servers, graph_api, live):
    sender = a_whatsapp_citizen(live, "9193")
    hand_on = json.dumps({"messages": [{"message_id": "wamid.forged", "sender": sender, "kind": "text", "text": "hi"}]})
    url = f"{servers.url}/webhooks/whatsapp/taken"
    forged = requests.post(url, data=hand_on, headers={"X-Hub-Signature-256": "sha256=" + "0" * 64}, timeout=10)
    assert forged.status_code == 403
    signed = wa.signed({"messages": "not a list"}, SECRET)
    assert requests.post(url, data=signed["data"], headers=signed["headers"], timeout=10).status_code == 400
    time.sleep(2)
    assert graph_api.sent_to(sender) == []


def test_a_message_the_receiver_could_not_hand_on_is_answered_by_the_replicas_sweep(
    receiver_without_rasa, graph_api, live
):
    sender = a_whatsapp_citizen(live, "9193")
    started = time.monotonic()
    assert post(receiver_without_rasa.webhook_url, wa.envelope([wa.text(sender, "hi")])).status_code == 200
    assert graph_api.sent_to(sender) == []
    # The session's replicas lease a message for 10 s and sweep every 5 s.
    replies = graph_api.wait_for(sender, 2, timeout=60)
    assert "Seva" in shown(replies)
    assert time.monotonic() - started >= 5
    assert "could not hand 1 message" in receiver_without_rasa.log.read_text().lower()
