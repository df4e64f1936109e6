"""The WhatsApp channel in the running Seva: signed webhooks in, replies out at the stand-in Graph API."""

import json
import time
import uuid

import pytest
import requests
from sqlalchemy import select

from seva.models import Attachment, Complaint
from tests import whatsapp_payloads as wa
from tests.helpers import WHATSAPP, a_whatsapp_citizen, letters_scripts

pytestmark = pytest.mark.fullstack
SECRET = WHATSAPP["WHATSAPP_APP_SECRET"]
JPEG = b"\xff\xd8\xff\xe0" + b"a streetlight, dark" * 50


def citizen(live):
    return a_whatsapp_citizen(live, "9198")


def post(servers, body, secret=SECRET, headers=None):
    signed = wa.signed(body, secret)
    return requests.post(
        f"{servers.url}/webhooks/whatsapp/webhook",
        data=signed["data"],
        headers={**signed["headers"], **(headers or {})},
        timeout=10,
    )


def say(servers, graph_api, message, expect):
    """Posts one message and waits for `expect` more messages to reach the citizen."""
    before = len(graph_api.sent_to(message["from"]))
    assert post(servers, wa.envelope([message])).status_code == 200
    return graph_api.wait_for(message["from"], before + expect)[before:]


def exchange(servers, graph_api, message, quiet=2.0, timeout=60.0):
    """Posts one message and gives the replies that reach the citizen, once no more come for `quiet` seconds."""
    before = len(graph_api.sent_to(message["from"]))
    assert post(servers, wa.envelope([message])).status_code == 200
    deadline, last, seen = time.monotonic() + timeout, time.monotonic(), before
    while time.monotonic() < deadline:
        now = len(graph_api.sent_to(message["from"]))
        if now != seen:
            seen, last = now, time.monotonic()
        elif now > before and time.monotonic() - last >= quiet:
            break
        time.sleep(0.1)
    return graph_api.sent_to(message["from"])[before:]


def shown(messages):
    out = []
    for m in messages:
        if m["type"] == "text":
            out.append(m["text"]["body"])
        elif m["type"] == "interactive":
            out.append(m["interactive"]["body"]["text"])
    return "\n".join(out)


def choices(message):
    action = message["interactive"]["action"]
    if "buttons" in action:
        return [(b["reply"]["title"], b["reply"]["id"]) for b in action["buttons"]]
    return [(r["title"], r["id"]) for s in action["sections"] for r in s["rows"]]


def test_webhook_verification(servers):
    url = f"{servers.url}/webhooks/whatsapp/webhook"
    ok = requests.get(
        url,
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": WHATSAPP["WHATSAPP_VERIFY_TOKEN"],
            "hub.challenge": "1158201444",
        },
        timeout=10,
    )
    assert (ok.status_code, ok.text) == (200, "1158201444")
    wrong = requests.get(
        url, params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"}, timeout=10
    )
    assert wrong.status_code == 403


def test_a_signed_text_reaches_rasa_and_the_reply_reaches_whatsapp(servers, graph_api, live):
    sender = citizen(live)
    replies = say(servers, graph_api, wa.text(sender, "hi"), expect=2)
    assert "Seva" in shown(replies)
    assert replies[0]["type"] == "interactive" and choices(replies[0])[0] == (
        "English",
        '/choose_language{"language": "en"}',
    )


def test_forged_or_missing_signatures_are_refused_and_nothing_is_processed(servers, graph_api, live):
    sender = citizen(live)
    body = wa.envelope([wa.text(sender, "hi")])
    assert post(servers, body, secret="not-the-secret").status_code == 403
    raw = json.dumps(body).encode()
    missing = requests.post(
        f"{servers.url}/webhooks/whatsapp/webhook", data=raw, headers={"Content-Type": "application/json"}, timeout=10
    )
    assert missing.status_code == 403
    time.sleep(3)
    assert graph_api.sent_to(sender) == []


def test_a_redelivered_message_is_acknowledged_and_handled_once(servers, graph_api, live):
    sender = citizen(live)
    message = wa.text(sender, "hi")
    assert post(servers, wa.envelope([message])).status_code == 200
    first = graph_api.wait_for(sender, 2)
    assert post(servers, wa.envelope([message])).status_code == 200
    time.sleep(3)
    assert len(graph_api.sent_to(sender)) == len(first) == 2


@pytest.mark.parametrize(
    "raw, status",
    [
        (b"{" * 10, 400),
        (b'{"object": "whatsapp_business_account", "entry": [{"changes": [', 400),
        (b'["not", "a", "notification"]', 400),
        (b"\xff\xfe not utf-8", 400),
        (json.dumps(wa.envelope([wa.text("919800000001", "hi")])).encode("utf-16"), 400),
        (b'{"object": "whatsapp_business_account", "entry": [], "x": NaN}', 400),
        (b'{"entry": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", 400),
        (b'{"entry": []}' + b" " * (1024 * 1024), 413),
    ],
)
def test_malformed_truncated_and_oversized_bodies(servers, raw, status):
    assert post(servers, raw).status_code == status
    assert requests.get(f"{servers.url}/status", params={"token": servers.token}, timeout=10).ok


def test_statuses_and_errors_are_acknowledged_without_replies(servers, graph_api, live):
    sender = citizen(live)
    assert post(servers, wa.envelope(statuses=[wa.status(sender)], errors=[wa.value_error()])).status_code == 200
    time.sleep(2)
    assert graph_api.sent_to(sender) == []


def test_audio_and_stickers_get_a_polite_answer_in_the_citizens_language(servers, graph_api, live):
    sender = citizen(live)
    say(servers, graph_api, wa.text(sender, "ਸਤ ਸ੍ਰੀ ਅਕਾਲ ਜੀ"), expect=2)
    replies = say(servers, graph_api, wa.audio(sender), expect=1)
    assert "JPEG" in shown(replies) and letters_scripts(shown(replies)) == {"GURMUKHI"}
    replies = say(servers, graph_api, wa.sticker(sender), expect=1)
    assert "JPEG" in shown(replies)


def test_a_numbered_reply_picks_from_options_sent_as_text(servers, graph_api, live):
    sender = citizen(live)
    replies = say(servers, graph_api, wa.text(sender, "I want to file a complaint"), expect=1)
    assert replies[0]["type"] == "text" and "2. Garbage" in replies[0]["text"]["body"]
    replies = say(servers, graph_api, wa.text(sender, "2"), expect=1)
    assert [title for title, _ in choices(replies[0])] == [
        "Garbage to be cleared",
        "Road not swept",
        "Damaged garbage bin",
        "Garbage being burnt",
    ]


def test_a_number_does_not_answer_an_older_question(servers, graph_api, live):
    sender = citizen(live)
    say(servers, graph_api, wa.text(sender, "I want to file a complaint"), expect=1)
    say(servers, graph_api, wa.text(sender, "street lights"), expect=1)
    replies = say(servers, graph_api, wa.text(sender, "2"), expect=1)
    # "2" now answers the town question (no town has that name), not the category list sent before it.
    assert replies[0]["type"] == "text" and '"2"' in shown(replies)


def test_each_senders_messages_are_handled_in_the_order_they_came(servers, graph_api, live):
    sender = citizen(live)
    first, second = wa.text(sender, "I want to file a complaint"), wa.text(sender, "2")
    assert post(servers, wa.envelope([first])).status_code == 200
    assert post(servers, wa.envelope([second])).status_code == 200
    replies = graph_api.wait_for(sender, 2)
    assert replies[0]["type"] == "text" and "2. Garbage" in replies[0]["text"]["body"]
    assert [title for title, _ in choices(replies[1])][0] == "Garbage to be cleared"


def test_a_complaint_filed_over_whatsapp_in_punjabi_with_a_photo_and_a_location(servers, graph_api, database, live):
    sender = citizen(live)
    graph_api.add_media("714250431213", "image/jpeg", JPEG)
    replies = say(servers, graph_api, wa.text(sender, "ਸਾਡੇ ਮੁਹੱਲੇ ਦੀ ਸਟ੍ਰੀਟ ਲਾਈਟ ਪੰਜ ਦਿਨਾਂ ਤੋਂ ਬੰਦ ਹੈ, ਬਲਟਾਣਾ ਜ਼ੀਰਕਪੁਰ"), expect=1)
    assert letters_scripts(shown(replies)) == {"GURMUKHI"} and "ਫ਼ੋਟੋ" in shown(replies)

    # The photo is the one optional step: the summary follows; the pin sent then is added to it.
    replies = say(servers, graph_api, wa.image(sender, "714250431213"), expect=2)
    assert letters_scripts(shown(replies)) == {"GURMUKHI"}

    replies = say(servers, graph_api, wa.location(sender, 30.6425, 76.8173), expect=2)
    summary, question = replies
    assert "ਜ਼ੀਰਕਪੁਰ" in shown([summary]) and "30.642500,76.817300" in shown([summary])
    yes = choices(question)[0]
    assert yes[1] == "/affirm" and letters_scripts(yes[0]) == {"GURMUKHI"}

    replies = say(servers, graph_api, wa.button_reply(sender, yes[1], yes[0]), expect=1)
    number = next(w.strip("*") for w in shown(replies).split() if w.strip("*").startswith("PB-PGR-"))
    with database.session() as session:
        row = session.scalar(select(Complaint).where(Complaint.number == number))
        assert (row.sender_id, row.channel, row.language) == (sender, "whatsapp", "pa")
        assert (row.service_code, row.tenant_id, row.locality_code) == (
            "StreetLightNotWorking",
            "pb.zirakpur",
            "ZRK001",
        )
        assert (row.latitude, row.longitude) == (30.6425, 76.8173)
        photo = session.scalar(select(Attachment.uri).where(Attachment.complaint_id == row.id))
        assert photo.startswith(servers.media_dir) and open(photo, "rb").read() == JPEG


def test_a_second_problem_in_the_message_is_offered_once_filed_and_a_typed_label_taps_its_button(
    servers, graph_api, database, live
):
    sender = citizen(live)
    told = "ਸਾਡੇ ਮੁਹੱਲੇ ਦੀ ਸਟ੍ਰੀਟ ਲਾਈਟ ਪੰਜ ਦਿਨਾਂ ਤੋਂ ਬੰਦ ਹੈ, ਸਿੰਘਪੁਰਾ ਜ਼ੀਰਕਪੁਰ। ਨਾਲੇ ਮੋੜ ਤੇ ਕੂੜਾ ਵੀ ਪਿਆ ਹੈ"
    replies = say(servers, graph_api, wa.text(sender, told), expect=1)
    assert "ਫ਼ੋਟੋ" in shown(replies)
    # ਛੱਡੋ typed is the skip button's label (read alone it would be "stop").
    skip = choices(replies[0])[-1][0]
    summary, question = say(servers, graph_api, wa.text(sender, skip), expect=2)
    yes = choices(question)[0]
    filed, offer = say(servers, graph_api, wa.button_reply(sender, yes[1], yes[0]), expect=2)
    assert "PB-PGR-" in shown([filed]) and "ਕੂੜਾ" in shown([offer])
    file_it = choices(offer)[0]
    assert file_it[1] == "/file_second_complaint" and letters_scripts(file_it[0]) == {"GURMUKHI"}

    # Typed, not tapped: the second complaint, at the same place, goes straight to its own photo.
    replies = say(servers, graph_api, wa.text(sender, file_it[0]), expect=1)
    assert "ਫ਼ੋਟੋ" in shown(replies)
    summary, question = say(servers, graph_api, wa.text(sender, skip), expect=2)
    assert "ਸਿੰਘਪੁਰਾ" in shown([summary])
    yes = choices(question)[0]
    replies = say(servers, graph_api, wa.text(sender, yes[0]), expect=1)
    assert "PB-PGR-" in shown(replies)
    time.sleep(1)
    assert len(graph_api.sent_to(sender)) == 9  # and no second offer after the second complaint
    with database.session() as session:
        rows = session.scalars(select(Complaint).where(Complaint.sender_id == sender).order_by(Complaint.id)).all()
    assert [(r.service_code, r.locality_code, r.description) for r in rows] == [
        ("StreetLightNotWorking", "ZRK014", told),
        ("GarbageNeedsTobeCleared", "ZRK014", told),
    ]


def test_a_graph_api_error_while_replying_is_retried_and_the_reply_sent_once(servers, graph_api, live):
    sender = citizen(live)
    graph_api.fail_next(500)
    graph_api.fail_next(400, 130429)
    replies = say(servers, graph_api, wa.text(sender, "hi"), expect=2)
    time.sleep(1)
    assert len(graph_api.sent_to(sender)) == len(replies) == 2


def test_seva_can_write_first_through_the_whatsapp_output_channel(servers, graph_api, live):
    sender = citizen(live)
    say(servers, graph_api, wa.text(sender, "ਸਤ ਸ੍ਰੀ ਅਕਾਲ ਜੀ"), expect=2)
    before = len(graph_api.sent_to(sender))
    answer = requests.post(
        f"{servers.url}/conversations/{sender}/trigger_intent",
        params={"output_channel": "whatsapp", "token": servers.token},
        json={"name": "greet"},
        timeout=60,
    )
    assert answer.ok
    sent = graph_api.wait_for(sender, before + 2)[before:]
    assert len(sent) == 2 and letters_scripts(shown(sent)) == {"GURMUKHI"}


def test_a_missed_call_starts_the_conversation_with_a_template(servers, graph_api):
    url = f"{servers.url}/webhooks/whatsapp/missed_call"
    caller = f"98{uuid.uuid4().int % 10**8:08d}"
    refused = requests.post(url, json={"caller": caller}, headers={"X-Seva-Token": "wrong"}, timeout=10)
    assert refused.status_code == 401
    answer = requests.post(
        url, data={"From": f"0{caller}"}, headers={"X-Seva-Token": WHATSAPP["WHATSAPP_MISSED_CALL_TOKEN"]}, timeout=10
    )
    assert answer.status_code == 202 and answer.json()["to"] == f"91{caller}"
    sent = graph_api.wait_for(f"91{caller}", 1)
    assert sent[0]["type"] == "template" and sent[0]["template"]["name"] == "seva_welcome"
    no_number = requests.post(
        url, json={"caller": "12"}, headers={"X-Seva-Token": WHATSAPP["WHATSAPP_MISSED_CALL_TOKEN"]}, timeout=10
    )
    assert no_number.status_code == 400


def test_a_signature_header_of_any_characters_is_refused_not_a_crash(servers, live):
    body = json.dumps(wa.envelope([wa.text(citizen(live), "hi")])).encode()
    for header in ("sha256=ਗਲਤ".encode(), b"sha256=\xff\xfe", b"sha256=" + b"a" * 5000):
        answer = requests.post(
            f"{servers.url}/webhooks/whatsapp/webhook",
            data=body,
            timeout=10,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": header},
        )
        assert answer.status_code == 403


def test_a_missed_call_body_or_token_of_the_wrong_kind_gets_a_4xx(servers):
    url = f"{servers.url}/webhooks/whatsapp/missed_call"
    token = WHATSAPP["WHATSAPP_MISSED_CALL_TOKEN"]
    for body in (["9198", "list"], "a string", 12):
        assert requests.post(url, json=body, headers={"X-Seva-Token": token}, timeout=10).status_code == 400
    assert (
        requests.post(url, json={"caller": "9198"}, headers={"X-Seva-Token": "ਗਲਤ".encode()}, timeout=10).status_code
        == 401
    )


def test_a_system_update_gets_no_reply(servers, graph_api, live):
    sender = citizen(live)
    system = {
        "from": sender,
        "id": wa.new_id(),
        "timestamp": "1732790000",
        "type": "system",
        "system": {"body": "User changed number", "wa_id": "919800000000", "type": "user_changed_number"},
    }
    assert post(servers, wa.envelope([system])).status_code == 200
    time.sleep(3)
    assert graph_api.sent_to(sender) == []


def test_a_photo_sent_first_begins_a_complaint_that_keeps_it(servers, graph_api, database, live):
    sender = citizen(live)
    graph_api.add_media("91003", "image/jpeg", JPEG)
    asked = exchange(servers, graph_api, wa.image(sender, "91003"))
    assert "Garbage" in shown(asked) and len(asked) == 1, shown(asked)  # the categories: a complaint has begun
    replies = []
    answers = (
        "the streetlight on our pole is dead",
        "Bathinda",
        "Mehta Colony",
        "dead for a week now, all dark",
    )
    for answer in answers:
        replies += exchange(servers, graph_api, wa.text(sender, answer))
    # The photo that began it is kept, and not asked for again.
    assert "send a photo" not in shown(replies) and "Photos: 1" in shown(replies), shown(replies)


def test_a_pin_sent_first_begins_a_complaint_and_a_pin_in_delhi_is_refused(servers, graph_api, live):
    sender = citizen(live)
    asked = exchange(servers, graph_api, wa.location(sender, 30.2110, 74.9455))
    assert "Garbage" in shown(asked) and len(asked) == 1, shown(asked)
    outsider = citizen(live)
    exchange(servers, graph_api, wa.text(outsider, "garbage not lifted for a week near the bus stand, Bathinda"))
    replies = exchange(servers, graph_api, wa.location(outsider, 28.6139, 77.2090))
    assert "outside the towns of Punjab" in shown(replies)


def test_a_photo_whatsapp_will_not_give_is_asked_for_again_and_a_web_page_is_no_photo(servers, graph_api, live):
    sender = citizen(live)
    graph_api.add_media("91001", "image/jpeg", JPEG, metadata_status=500)
    [reply] = say(servers, graph_api, wa.image(sender, "91001"), expect=1)
    assert "send it again" in shown([reply])
    graph_api.add_media("91002", "image/jpeg", b"<!doctype html><p>a login page</p>")
    [reply] = say(servers, graph_api, wa.image(sender, "91002"), expect=1)
    assert "photos (JPEG or PNG" in shown([reply])


def test_a_citizen_writing_faster_than_the_allowance_is_told_once_and_not_read(servers, graph_api, live):
    sender = citizen(live)
    allowance = int(servers.env["CITIZEN_MESSAGES_PER_MINUTE"])
    for i in range(allowance + 5):
        assert post(servers, wa.envelope([wa.text(sender, f"hello {i}")])).status_code == 200
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and "faster than I can read" not in shown(graph_api.sent_to(sender)):
        time.sleep(0.5)
    time.sleep(3)
    assert shown(graph_api.sent_to(sender)).count("faster than I can read") == 1


def test_messages_acknowledged_before_a_restart_of_rasa_are_all_answered_once(servers, graph_api, live):
    senders = [citizen(live) for _ in range(20)]
    for sender in senders:
        assert post(servers, wa.envelope([wa.text(sender, "my complaints")])).status_code == 200
    # Rasa is stopped at once, with most of them in hand: it finishes them before it goes.
    servers.restart_rasa()
    for sender in senders:
        assert "no complaints" in shown(graph_api.wait_for(sender, 1, timeout=90)), sender
    time.sleep(15)  # longer than the lease: nothing handled is handled again
    counts = {sender: shown(graph_api.sent_to(sender)).count("no complaints") for sender in senders}
    assert set(counts.values()) == {1}, counts


def test_messages_acknowledged_before_rasa_dies_are_handled_after_it_comes_back(servers, graph_api, live):
    senders = [citizen(live) for _ in range(20)]
    for sender in senders:
        assert post(servers, wa.envelope([wa.text(sender, "my complaints")])).status_code == 200
    servers.restart_rasa(crash=True)
    for sender in senders:
        assert "no complaints" in shown(graph_api.wait_for(sender, 1, timeout=120)), sender


def test_replies_during_an_outage_of_the_graph_api_arrive_after_it_in_order_and_once(servers, graph_api, live):
    sender = citizen(live)
    graph_api.fail_for(20)
    assert post(servers, wa.envelope([wa.text(sender, "my complaints")])).status_code == 200
    time.sleep(2)
    assert post(servers, wa.envelope([wa.text(sender, "help")])).status_code == 200
    time.sleep(3)
    assert graph_api.sent_to(sender) == []  # nothing has got through yet
    replies = graph_api.wait_for(sender, 2, timeout=120)
    time.sleep(10)
    texts = [shown([reply]) for reply in graph_api.sent_to(sender)]
    assert "no complaints" in texts[0] and len(texts) == len(set(texts)) >= 2, texts
    assert len(replies) >= 2
