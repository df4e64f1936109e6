"""Citizens' data is theirs, on the running Seva over WhatsApp (the stand-in Graph API records what they get): the
privacy notice and consent before anything is filed, stop and start, "delete my data", numbers masked by role,
photos without their metadata, the retention job, and a person when asked."""

import asyncio
import io
import time
import uuid
from pathlib import Path

import pytest
import requests
from PIL import Image
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import create_engine, select, text

from connectors.conversations import ConversationKeeper
from notifier.worker import Worker
from seva.bootstrap import build
from seva.citizens import CONSENT, NOTICE_VERSION, START, STOP
from seva.erasure import ERASED_DESCRIPTION
from seva.handovers import CITIZEN, OPERATOR, SEVA
from seva.media import keep_image
from seva.models import Attachment, Citizen, Complaint, Notification
from seva.settings import Settings, WhatsAppSettings
from seva.workflow import ASSIGN, COMMENT, GRO, LME, REJECT, Actor
from tests import whatsapp_payloads as wa
from tests.fullstack.test_whatsapp_channel import choices, exchange, post, say, shown
from tests.helpers import POSTGRES_URL, WHATSAPP, a_draft, a_whatsapp_citizen, postgres_schema_url
from tests.integration.test_console import PASSWORD, Browser
from tests.servers import StaffApiServer

pytestmark = pytest.mark.fullstack

NOTICE = {"en": "Privacy notice", "hi": "निजता सूचना", "pa": "ਨਿੱਜਤਾ ਸੂਚਨਾ"}
AGREE = {"en": "I agree", "hi": "मैं सहमत हूँ", "pa": "ਮੈਂ ਸਹਿਮਤ ਹਾਂ"}
THANKS = {"en": "Thank you, noted.", "hi": "धन्यवाद, दर्ज कर लिया।", "pa": "ਧੰਨਵਾਦ, ਦਰਜ ਕਰ ਲਿਆ।"}
WANT_TO_FILE = {"en": "I want to file a complaint", "hi": "मुझे शिकायत दर्ज करनी है", "pa": "ਮੈਂ ਸ਼ਿਕਾਇਤ ਦਰਜ ਕਰਨੀ ਹੈ"}


def a_new_number() -> str:
    """A number that never wrote to Seva: it has not agreed to the notice."""
    return f"9196{uuid.uuid4().int % 10**8:08d}"


def worker(servers, database, graph_api, **settings) -> Worker:
    """The notification worker as `python -m notifier` builds it, pointed at the running Seva."""
    whatsapp = WhatsAppSettings(
        access_token=WHATSAPP["WHATSAPP_ACCESS_TOKEN"],
        phone_number_id=WHATSAPP["WHATSAPP_PHONE_NUMBER_ID"],
        api_base_url=graph_api.url,
        send_backoff_seconds=0.01,
    )
    built = build(
        Settings(
            database_url=database.url,
            rasa_url=servers.url,
            rasa_auth_token=servers.token,
            whatsapp=whatsapp,
            media_dir=Path(servers.media_dir),
            **settings,
        )
    )
    return Worker.from_services(built)


def quiet_for(graph_api, number, seconds=4.0) -> int:
    """How many messages reached the citizen in the next `seconds` (while Seva should say nothing)."""
    before = len(graph_api.sent_to(number))
    time.sleep(seconds)
    return len(graph_api.sent_to(number)) - before


def conversation_events(sender_id: str) -> int:
    engine = create_engine(POSTGRES_URL, future=True)
    try:
        with engine.connect() as connection:
            return connection.execute(
                text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender_id}
            ).scalar_one()
    finally:
        engine.dispose()


def a_photo_with_metadata() -> bytes:
    """A phone's photo: the maker and model, and where it was taken (GPS), in its EXIF."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "PhoneMaker", "Model 7"
    exif[0x8825] = {1: "N", 2: (30.0, 54.0, 11.0), 3: "E", 4: (75.0, 51.0, 7.0)}
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 30)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def has_metadata(path: Path) -> bool:
    data = path.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        return bool(image.getexif()) or b"PhoneMaker" in data


@pytest.fixture(scope="module")
def console(servers, postgres_schema, tmp_path_factory):
    """The staff API and console, over the running Seva's database."""
    running = StaffApiServer(
        {"DATABASE_URL": postgres_schema_url(postgres_schema), "MEDIA_DIR": servers.media_dir},
        tmp_path_factory.mktemp("logs") / "console.log",
    ).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def operators(live):
    suffix = uuid.uuid4().hex[:6]
    names = {"gro": f"gro.{suffix}", "lme": f"lme.{suffix}", "other": f"gro2.{suffix}"}
    live.staff.add(names["gro"], "Harpreet Kaur", GRO, "pb.zirakpur")
    live.staff.add(names["lme"], "Gurdeep Singh", LME, "pb.zirakpur")
    live.staff.add(names["other"], "Simran Gill", GRO, "pb.zirakpur")
    for username in names.values():
        live.staff.set_password(username, PASSWORD)
    return names


def signed_in(console, username) -> Browser:
    browser = Browser(console.url)
    assert browser.sign_in(username).status_code == 303
    return browser


@pytest.mark.parametrize("language", ["en", "hi", "pa"])
def test_a_new_citizen_reads_the_notice_in_their_language_and_agrees_before_anything_is_asked(
    servers, graph_api, live, language
):
    number = a_new_number()
    replies = exchange(servers, graph_api, wa.text(number, WANT_TO_FILE[language]))
    notice = next(m for m in replies if m["type"] == "interactive" and NOTICE[language] in shown([m]))
    assert NOTICE_VERSION in shown([notice])
    agree, cancel = choices(notice)
    assert agree == (AGREE[language], "/agree_notice") and cancel[1] == "/stop"
    assert not live.citizens.has_consented(number)

    replies = exchange(servers, graph_api, wa.button_reply(number, "/agree_notice", AGREE[language]))
    assert THANKS[language] in shown(replies)
    assert live.citizens.has_consented(number)
    [choice] = live.citizens.choices(number)
    assert (choice.choice, choice.notice_version) == (CONSENT, NOTICE_VERSION)


def test_nothing_is_filed_before_the_citizen_agrees_and_privacy_shows_the_notice_again(servers, graph_api, live):
    number = a_new_number()
    # A place no other test files a streetlight in: theirs would be offered as the same problem.
    replies = exchange(
        servers, graph_api, wa.text(number, "streetlight not working since a week in Swastik Vihar, Zirakpur")
    )
    assert NOTICE["en"] in shown(replies)
    replies = exchange(servers, graph_api, wa.text(number, "privacy"))
    assert NOTICE["en"] in shown(replies) and "Who sees them" in shown(replies)
    with live.database.session() as session:
        assert session.scalars(select(Complaint).where(Complaint.sender_id == number)).all() == []

    replies = exchange(servers, graph_api, wa.button_reply(number, "/agree_notice", AGREE["en"]))
    assert "photo" in shown(replies).lower()
    exchange(servers, graph_api, wa.text(number, "skip"))
    replies = exchange(servers, graph_api, wa.text(number, "yes"))
    assert "PB-PGR-" in shown(replies)
    with live.database.session() as session:
        row = session.scalars(select(Complaint).where(Complaint.sender_id == number)).one()
        assert (row.service_code, row.locality_code) == ("StreetLightNotWorking", "ZRK029")
        citizen = session.get(Citizen, number)
        assert citizen.notice_version == NOTICE_VERSION and citizen.consented_at <= row.created_at

    # A citizen who agreed is not asked again.
    replies = exchange(
        servers, graph_api, wa.text(number, "garbage heap near the school gate in Swastik Vihar, Zirakpur")
    )
    assert NOTICE["en"] not in shown(replies)


async def test_after_stop_a_staff_action_sends_nothing_and_after_start_the_next_one_arrives(servers, graph_api, live):
    number = a_whatsapp_citizen(live)
    exchange(servers, graph_api, wa.text(number, "hello"))
    filed, _ = live.complaints.file(
        number, "whatsapp", "en", a_draft(tenant_id="pb.zirakpur", locality_code="ZRK030"), f"{number}:1"
    )
    officer = Actor(GRO, "gro.stop-test", "pb.zirakpur")

    replies = exchange(servers, graph_api, wa.text(number, "stop"))
    assert "no more updates" in shown(replies)
    live.lifecycle.act(filed.number, COMMENT, officer, comment="A crew is on its way")
    w = worker(servers, live.database, graph_api)
    await w.run_once()
    assert quiet_for(graph_api, number, 3) == 0
    with live.database.session() as session:
        states = session.scalars(select(Notification.state).join(Complaint).where(Complaint.number == filed.number))
        assert list(states) == ["withheld"]

    # Replies to the citizen's own messages go on while updates are stopped.
    replies = exchange(servers, graph_api, wa.text(number, "my complaints"))
    assert filed.number in shown(replies)

    replies = exchange(servers, graph_api, wa.text(number, "start"))
    assert "Updates are on again" in shown(replies)
    live.lifecycle.act(filed.number, COMMENT, officer, comment="The crew fixed the wiring")
    before = len(graph_api.sent_to(number))
    await w.run_once()
    [update] = graph_api.wait_for(number, before + 1)[before:]
    assert "The crew fixed the wiring" in shown([update]) and "A crew is on its way" not in shown([update])
    assert [(c.choice) for c in live.citizens.choices(number)] == [CONSENT, STOP, START]


def test_staff_see_when_the_citizen_stopped_updates(servers, graph_api, live, console, operators):
    number = a_whatsapp_citizen(live)
    filed, _ = live.complaints.file(
        number, "whatsapp", "en", a_draft(tenant_id="pb.zirakpur", locality_code="ZRK027"), f"{number}:1"
    )
    exchange(servers, graph_api, wa.text(number, "stop"))
    page = signed_in(console, operators["gro"]).get(f"/complaint/{filed.number}")
    assert 'id="updates-stopped"' in page.text and "Updates stopped by the citizen" in page.text


async def test_delete_my_data_waits_for_open_complaints_then_erases_the_number_words_photos_and_conversation(
    servers, graph_api, live
):
    number = a_whatsapp_citizen(live)
    exchange(servers, graph_api, wa.text(number, "hello"))
    photo = keep_image(a_photo_with_metadata(), Path(servers.media_dir))
    draft = a_draft(
        tenant_id="pb.zirakpur", locality_code="ZRK028", photos=[photo.uri], description="call me on 9876501234"
    )
    filed, _ = live.complaints.file(number, "whatsapp", "en", draft, f"{number}:1")
    live.lifecycle.act(filed.number, COMMENT, Actor.citizen(number), comment="it is near my house, H.No. 12")

    [ask] = say(servers, graph_api, wa.text(number, "delete my data"), 1)
    assert "cannot be undone" in shown([ask])
    replies = exchange(servers, graph_api, wa.button_reply(number, "/confirm_delete_data", "Yes, delete"))
    assert filed.number in shown(replies) and "still open" in shown(replies)
    with live.database.session() as session:
        assert session.scalars(select(Complaint.sender_id).where(Complaint.number == filed.number)).one() == number

    live.lifecycle.act(filed.number, REJECT, Actor(GRO, "gro.erase-test", "pb.zirakpur"), comment="not ours")
    before = len(graph_api.sent_to(number))
    assert await worker(servers, live.database, graph_api).erase() == 1
    [told] = graph_api.wait_for(number, before + 1)[before:]
    assert "Your data is deleted" in shown([told])

    with live.database.session() as session:
        row = session.scalars(select(Complaint).where(Complaint.number == filed.number)).one()
        assert row.sender_id.startswith("erased:") and row.description == ERASED_DESCRIPTION
        assert (row.service_code, row.locality_code, row.status) == ("StreetLightNotWorking", "ZRK028", "REJECTED")
        assert session.scalars(select(Attachment).where(Attachment.complaint_id == row.id)).all() == []
        assert all(number not in (e.actor + (e.comment or "")) for e in row.events)
        assert session.get(Citizen, number) is None
    assert not Path(photo.uri).exists()
    # The conversation goes from the tracker store a few seconds later, once Rasa saved the last turn.
    deadline = time.monotonic() + 60
    while conversation_events(number) and time.monotonic() < deadline:
        time.sleep(1)
    assert conversation_events(number) == 0
    assert live.citizens.choices(number) == []


def test_delete_my_data_with_nothing_open_erases_at_once(servers, graph_api, live):
    number = a_whatsapp_citizen(live)
    exchange(servers, graph_api, wa.text(number, "hello"))
    exchange(servers, graph_api, wa.text(number, "please delete my data"))
    replies = exchange(servers, graph_api, wa.text(number, "yes"))
    assert "Your data is deleted" in shown(replies)
    assert not live.citizens.has_consented(number)


def test_a_citizens_number_is_whole_only_to_the_staff_member_the_complaint_is_assigned_to(
    servers,
    live,
    console,
    operators,
):
    number = a_whatsapp_citizen(live)
    filed, _ = live.complaints.file(
        number, "whatsapp", "en", a_draft(tenant_id="pb.zirakpur", locality_code="ZRK026"), f"{number}:1"
    )
    live.lifecycle.act(filed.number, ASSIGN, Actor(GRO, operators["gro"], "pb.zirakpur"), assignee=operators["lme"])
    masked_number = number[:2] + "•" * (len(number) - 5) + number[-3:]

    for who, shown_number in ((operators["gro"], masked_number), (operators["lme"], number)):
        browser = signed_in(console, who)
        page = browser.get(f"/complaint/{filed.number}").text
        assert f'<dd id="citizen">{shown_number}' in page
        assert (number in page) == (shown_number == number)
        csv = browser.get("/queue.csv?tab=all").text
        line = next(row for row in csv.splitlines() if row.startswith(filed.number))
        assert shown_number in line and (number in line) == (shown_number == number)
        token = live.staff.issue_token(who)
        body = requests.get(
            f"{console.url}/complaints/{filed.number}", headers={"Authorization": f"Bearer {token}"}, timeout=30
        ).json()
        assert body["citizen"]["id"] == shown_number
        assert all(number not in entry["actor"] for entry in body["history"]) or shown_number == number


def test_photos_are_kept_without_their_metadata_the_citizens_and_the_staffs(
    servers,
    graph_api,
    live,
    console,
    operators,
):
    number = a_whatsapp_citizen(live)
    graph_api.add_media("9901000000001", "image/jpeg", a_photo_with_metadata())
    exchange(servers, graph_api, wa.text(number, "the drain is overflowing on the road in Jarnail Enclave, Zirakpur"))
    exchange(servers, graph_api, wa.image(number, "9901000000001"))
    replies = exchange(servers, graph_api, wa.text(number, "yes"))
    assert "PB-PGR-" in shown(replies)
    with live.database.session() as session:
        row = session.scalars(select(Complaint).where(Complaint.sender_id == number)).one()
        [uri] = session.scalars(select(Attachment.uri).where(Attachment.complaint_id == row.id)).all()
        complaint_number = row.number
    assert not has_metadata(Path(uri))

    live.lifecycle.act(complaint_number, ASSIGN, Actor(GRO, operators["gro"], "pb.zirakpur"), assignee=operators["lme"])
    field = signed_in(console, operators["lme"])
    done = field.act(
        complaint_number, "RESOLVE", comment="Cleared", photo=("fixed.jpg", a_photo_with_metadata(), "image/jpeg")
    )
    assert done.status_code == 303, done.text
    with live.database.session() as session:
        uris = session.scalars(
            select(Attachment.uri).join(Complaint).where(Complaint.number == complaint_number).order_by(Attachment.id)
        ).all()
    assert len(uris) == 2 and not any(has_metadata(Path(u)) for u in uris)


async def test_the_retention_job_deletes_conversations_older_than_the_period_and_keeps_the_rest(
    servers, graph_api, live
):
    old, recent = a_whatsapp_citizen(live), a_whatsapp_citizen(live)
    for number in (old, recent):
        exchange(servers, graph_api, wa.text(number, "hello"))
    store = SQLTrackerStore(
        dialect="postgresql", host="127.0.0.1", port=5432, db=POSTGRES_URL.rsplit("/", 1)[-1], username="postgres"
    )
    with store.session_scope() as session:
        session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == old).update(
            {store.SQLEvent.timestamp: store.SQLEvent.timestamp - 91 * 86400}
        )
        session.commit()
    keeper = ConversationKeeper(live, lambda: store)
    assert await keeper.prune() >= 1
    assert conversation_events(old) == 0 and conversation_events(recent) > 0


async def test_a_person_takes_over_answers_from_the_console_and_hands_back_with_no_bot_reply_between(
    servers,
    graph_api,
    live,
    console,
    operators,
):
    number = a_whatsapp_citizen(live)
    live.complaints.file(
        number, "whatsapp", "en", a_draft(tenant_id="pb.zirakpur", locality_code="ZRK025"), f"{number}:1"
    )
    exchange(servers, graph_api, wa.text(number, "hello"))
    replies = exchange(servers, graph_api, wa.text(number, "talk to a person"))
    assert "passed our conversation to a person" in shown(replies)

    before = len(graph_api.sent_to(number))
    # The citizen writes on; Seva says nothing while a person has the conversation.
    for words in ("my complaint has been pending for weeks", "is anyone there?"):
        assert post(servers, wa.envelope([wa.text(number, words)])).status_code == 200
    assert quiet_for(graph_api, number, 4) == 0 and len(graph_api.sent_to(number)) == before

    operator = signed_in(console, operators["gro"])
    queue = operator.get("/handovers").text
    [handover] = [h for h in live.handovers.queue(["pb.zirakpur"]) if h.sender_id == number]
    assert f"/handover/{handover.id}" in queue and number not in queue
    page = operator.get(f"/handover/{handover.id}")
    assert "my complaint has been pending for weeks" in page.text and "is anyone there?" in page.text
    authors = [line.author for line in handover.lines]
    assert authors[0] in (CITIZEN, SEVA) and SEVA in authors and authors[-2:] == [CITIZEN, CITIZEN]

    csrf = operator.csrf(f"/handover/{handover.id}")
    sent = operator.post(
        f"/handover/{handover.id}/reply",
        data={"csrf": csrf, "text": "Ji, I am Harpreet from the office. Looking at it now."},
    )
    assert sent.status_code == 303
    w = worker(servers, live.database, graph_api)
    assert await w.relay() == 1
    [answer] = graph_api.wait_for(number, before + 1)[before:]
    assert shown([answer]) == "Ji, I am Harpreet from the office. Looking at it now."

    csrf = operator.csrf(f"/handover/{handover.id}")
    assert operator.post(f"/handover/{handover.id}/back", data={"csrf": csrf}).status_code == 303
    assert await w.hand_back() == 1
    [back] = graph_api.wait_for(number, before + 2)[before + 1 :]
    assert "You are back with Seva" in shown([back])
    assert [line.author for line in live.handovers.conversation(handover.id).lines][-1] == OPERATOR

    replies = exchange(servers, graph_api, wa.text(number, "my complaints"))
    assert "PB-PGR-" in shown(replies)


async def test_a_hand_over_no_operator_answers_goes_back_to_seva_with_an_apology(servers, graph_api, live):
    number = a_whatsapp_citizen(live)
    exchange(servers, graph_api, wa.text(number, "hello"))
    exchange(servers, graph_api, wa.text(number, "talk to a person"))
    before = len(graph_api.sent_to(number))
    await asyncio.sleep(1.5)
    assert await worker(servers, live.database, graph_api, handover_timeout_minutes=0.01).hand_back() >= 1
    [sorry] = graph_api.wait_for(number, before + 1)[before:]
    assert "Sorry, nobody at the municipality could answer you in time" in shown([sorry])
    replies = exchange(servers, graph_api, wa.text(number, "hello"))
    assert replies, "Seva answers again"


def test_no_phone_number_or_message_text_reaches_the_logs(servers, graph_api, live):
    number = a_whatsapp_citizen(live)
    words = f"pothole number {uuid.uuid4().hex[:8]} near my gate"
    exchange(servers, graph_api, wa.text(number, words))
    exchange(servers, graph_api, wa.text(number, "stop"))
    logs = "".join(p.read_text(errors="replace") for p in Path(servers.log_dir).glob("*.log"))
    assert logs, "the servers' logs are where the test looks"
    assert number not in logs and words not in logs
