"""Outages on the running Seva: an action server or a database that is down gets the citizen an apology in their
language, never silence and never a conversation started over; what they said is kept for when it is back."""

import time
import uuid

import pytest
import requests

from tests import whatsapp_payloads as wa
from tests.fullstack.test_whatsapp_channel import post, shown
from tests.helpers import DOWN_DATABASE_URL, WHATSAPP, a_whatsapp_citizen
from tests.servers import Servers

pytestmark = pytest.mark.fullstack


def a_number(live):
    return a_whatsapp_citizen(live, "9197")


def texts(replies):
    return " ".join(r.get("text", "") for r in replies)


def test_with_the_action_server_down_a_citizen_hears_an_apology_not_silence(servers, graph_api, live):
    rest_citizen, whatsapp_citizen = f"tester-{uuid.uuid4().hex[:6]}", a_number(live)

    def while_down():
        assert "could not answer that just now" in texts(servers.say(rest_citizen, "my complaints"))
        assert post(servers, wa.envelope([wa.text(whatsapp_citizen, "ਮੇਰੀਆਂ ਸ਼ਿਕਾਇਤਾਂ")])).status_code == 200
        [apology] = graph_api.wait_for(whatsapp_citizen, 1)
        assert "ਮਾਫ਼ ਕਰਨਾ" in shown([apology])

    servers.without_actions(while_down)
    # Back: the conversation goes on.
    assert "no complaints" in texts(servers.say(rest_citizen, "my complaints"))


@pytest.fixture(scope="module")
def seva_without_database(trained_model, graph_api, tmp_path_factory):
    """Seva whose database is down (its conversations in memory, so that Rasa itself starts)."""
    env = {"DATABASE_URL": DOWN_DATABASE_URL, "WHATSAPP_API_BASE_URL": graph_api.url, **WHATSAPP}
    in_memory = tmp_path_factory.mktemp("endpoints") / "endpoints.yml"
    in_memory.write_text('action_endpoint:\n  url: "http://localhost:5055/webhook"\n', encoding="utf-8")
    running = Servers(trained_model, env, in_memory, tmp_path_factory.mktemp("logs-down")).start()
    yield running
    running.stop()


def test_with_the_database_down_rest_gets_a_503_with_an_apology_and_nothing_handled(seva_without_database):
    answer = requests.post(
        f"{seva_without_database.url}/webhooks/rest/webhook",
        json={"sender": "tester-db-down", "message": "हाँ"},
        headers={"Authorization": f"Bearer {seva_without_database.rest_token}"},
        timeout=30,
    )
    assert answer.status_code == 503 and "माफ़ कीजिए" in texts(answer.json())
    tracker = requests.get(
        f"{seva_without_database.url}/conversations/rest:tester-db-down/tracker",
        params={"token": seva_without_database.token},
        timeout=30,
    ).json()
    assert [e for e in tracker["events"] if e["event"] == "user"] == []


def test_with_the_database_down_whatsapp_asks_meta_to_deliver_again_and_apologises_once(
    seva_without_database, graph_api, live
):
    sender = a_number(live)
    for _ in range(2):  # Meta delivers again after a 503
        assert post(seva_without_database, wa.envelope([wa.text(sender, "kachra nahi utha")])).status_code == 503
    time.sleep(2)
    sent = graph_api.sent_to(sender)
    assert len(sent) == 1 and "fault on our side" in shown(sent)
