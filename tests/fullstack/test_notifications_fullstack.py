"""Closing the loop, on the running Seva: staff act through the staff API, the notification worker tells the
citizen through Rasa's trigger_intent and the WhatsApp channel (the stand-in Graph API records what they get),
and the citizen answers in chat. Outages of Rasa and of WhatsApp delay a notification; none is lost or sent
twice."""

import asyncio
import re
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import func, select, update

from connectors.rest import SENDER_PREFIX
from notifier.delivery import RasaDelivery
from notifier.worker import Worker
from seva.bootstrap import build
from seva.catalogue import load_catalogue
from seva.complaints import Complaints
from seva.escalation import Escalation, day_of
from seva.lifecycle import Lifecycle
from seva.models import Complaint, Notification
from seva.outbox import Outbox
from seva.reminders import FilingReminders
from seva.settings import Settings, WhatsAppSettings
from seva.staff import Staff
from seva.workflow import GRO, LME, Actor
from tests import whatsapp_payloads as wa
from tests.fullstack.test_whatsapp_channel import choices, exchange, say, shown
from tests.helpers import WHATSAPP, a_draft, a_whatsapp_citizen, postgres_schema_url
from tests.servers import StaffApiServer

pytestmark = pytest.mark.fullstack


@pytest.fixture(scope="module")
def staff_api(servers, postgres_schema, tmp_path_factory):
    running = StaffApiServer(
        {"DATABASE_URL": postgres_schema_url(postgres_schema), "MEDIA_DIR": servers.media_dir},
        tmp_path_factory.mktemp("logs") / "staff_api.log",
    ).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def tokens(database):
    staff = Staff(database, load_catalogue())
    suffix = uuid.uuid4().hex[:6]
    staff.add(f"gro.{suffix}", "Harpreet Kaur", GRO, "pb.jalandhar")
    staff.add(f"lme.{suffix}", "Gurdeep Singh", LME, "pb.jalandhar")
    return {
        "gro": staff.issue_token(f"gro.{suffix}"),
        "lme": staff.issue_token(f"lme.{suffix}"),
        "lme_name": f"lme.{suffix}",
        "gro_name": f"gro.{suffix}",
    }


def worker(servers, database, graph_api):
    """The notification worker as `python -m notifier` builds it, pointed at the running Seva."""
    whatsapp = WhatsAppSettings(
        access_token=WHATSAPP["WHATSAPP_ACCESS_TOKEN"],
        phone_number_id=WHATSAPP["WHATSAPP_PHONE_NUMBER_ID"],
        api_base_url=graph_api.url,
        send_backoff_seconds=0.01,
    )
    settings = Settings(
        database_url=database.url, rasa_url=servers.url, rasa_auth_token=servers.token, whatsapp=whatsapp
    )
    return Worker.from_services(build(settings))


def a_citizen(live):
    return a_whatsapp_citizen(live, "9198")


def citizen_writes_then_files(servers, graph_api, database, live, greeting):
    """A citizen who wrote on WhatsApp just now (so the 24-hour window is open) and has a complaint."""
    citizen = a_citizen(live)
    say(servers, graph_api, wa.text(citizen, greeting), expect=2)
    view, _ = Complaints(database, load_catalogue()).file(citizen, "whatsapp", "pa", a_draft(), f"{citizen}:1")
    return citizen, view.number


def notifications_of(database, number):
    with database.session() as session:
        rows = session.execute(
            select(Notification.state, Notification.attempts, Notification.sent_via)
            .join(Complaint, Notification.complaint_id == Complaint.id)
            .where(Complaint.number == number)
            .order_by(Notification.id)
        ).all()
        return [tuple(r) for r in rows]


def retry_now(database):
    with database.session() as session:
        session.execute(
            update(Notification)
            .where(Notification.state == "pending")
            .values(next_attempt_at=datetime.now(timezone.utc))
        )


async def deliver_all(w, rounds=5):
    for _ in range(rounds):
        if not await w.run_once():
            return


def act(staff_api, token, number, **body):
    response = requests.post(
        f"{staff_api.url}/complaints/{number}/actions",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_staff_act_through_the_api_and_the_citizen_hears_in_punjabi_then_rates(
    servers, graph_api, database, staff_api, tokens, live
):
    citizen, number = citizen_writes_then_files(servers, graph_api, database, live, "ਸਤ ਸ੍ਰੀ ਅਕਾਲ ਜੀ")
    before = len(graph_api.sent_to(citizen))
    act(staff_api, tokens["gro"], number, action="ASSIGN", assignee=tokens["lme_name"], comment="ਅੱਜ ਦੇਖੋ")
    act(staff_api, tokens["lme"], number, action="RESOLVE", comment="ਨਵਾਂ ਬੱਲਬ ਲਗਾ ਦਿੱਤਾ")
    await deliver_all(worker(servers, database, graph_api))

    assigned, resolved = graph_api.wait_for(citizen, before + 2)[before:]
    assert number in shown([assigned]) and "ਫ਼ੀਲਡ ਕਰਮਚਾਰੀ" in shown([assigned])
    assert "ਨਵਾਂ ਬੱਲਬ ਲਗਾ ਦਿੱਤਾ" in shown([resolved])
    buttons = dict(choices(resolved))
    assert set(buttons) == {"ਰੇਟਿੰਗ ਦਿਓ ⭐", "ਦੁਬਾਰਾ ਖੋਲ੍ਹੋ"} and number in buttons["ਰੇਟਿੰਗ ਦਿਓ ⭐"]
    assert notifications_of(database, number) == [("sent", 1, "rasa"), ("sent", 1, "rasa")]

    [ask_rating] = say(servers, graph_api, wa.button_reply(citizen, buttons["ਰੇਟਿੰਗ ਦਿਓ ⭐"], "ਰੇਟਿੰਗ ਦਿਓ ⭐"), 1)
    five = dict(choices(ask_rating))["⭐⭐⭐⭐⭐ 5"]
    [ask_feedback] = say(servers, graph_api, wa.list_reply(citizen, five, "⭐⭐⭐⭐⭐ 5"), 1)
    assert "ਛੱਡੋ" in dict(choices(ask_feedback))
    [thanks] = say(servers, graph_api, wa.text(citizen, "ਬਹੁਤ ਵਧੀਆ ਕੰਮ, ਧੰਨਵਾਦ"), 1)
    assert number in shown([thanks]) and "⭐⭐⭐⭐⭐" in shown([thanks])
    view = Complaints(database, load_catalogue()).get(number)
    assert (view.status, view.rating, view.history[-1].comment) == ("CLOSEDAFTERRESOLUTION", 5, "ਬਹੁਤ ਵਧੀਆ ਕੰਮ, ਧੰਨਵਾਦ")


async def test_while_whatsapp_is_down_the_update_waits_then_goes_out_once(servers, graph_api, database, tokens, live):
    citizen, number = citizen_writes_then_files(servers, graph_api, database, live, "hello")
    before = len(graph_api.sent_to(citizen))
    Lifecycle(database, load_catalogue()).act(
        number, "ASSIGN", Actor(GRO, tokens["gro_name"], "pb.jalandhar"), assignee=tokens["lme_name"]
    )
    # The channel tries each send four times: all of them fail.
    for _ in range(4):
        graph_api.fail_next(503)
    w = worker(servers, database, graph_api)
    await deliver_all(w)
    assert notifications_of(database, number) == [("pending", 1, None)]
    assert graph_api.sent_to(citizen)[before:] == []

    retry_now(database)
    await deliver_all(w)
    assert notifications_of(database, number) == [("sent", 2, "rasa")]
    [told] = graph_api.wait_for(citizen, before + 1)[before:]
    assert number in shown([told])


def test_across_a_restart_of_rasa_the_update_waits_then_goes_out_once(servers, graph_api, database, tokens, live):
    citizen, number = citizen_writes_then_files(servers, graph_api, database, live, "hello")
    before = len(graph_api.sent_to(citizen))
    Lifecycle(database, load_catalogue()).act(
        number,
        "REJECT",
        Actor(GRO, tokens["gro_name"], "pb.jalandhar"),
        comment="private property, not the municipality's",
    )
    w = worker(servers, database, graph_api)
    servers.restart_rasa(while_down=lambda: asyncio.run(deliver_all(w)))
    assert notifications_of(database, number) == [("pending", 1, None)]

    retry_now(database)
    asyncio.run(deliver_all(w))
    [told] = graph_api.wait_for(citizen, before + 1)[before:]
    assert number in shown([told]) and "private property" in shown([told])
    assert notifications_of(database, number) == [("sent", 2, "rasa")]
    # The conversation carried on across the restart: the citizen is still answered in it.
    assert say(servers, graph_api, wa.text(citizen, "my complaints"), expect=1)


async def test_an_update_that_went_out_but_whose_answer_was_lost_is_not_sent_again(
    servers, graph_api, database, tokens, live
):
    citizen, number = citizen_writes_then_files(servers, graph_api, database, live, "hello")
    before = len(graph_api.sent_to(citizen))
    Lifecycle(database, load_catalogue()).act(
        number, "ASSIGN", Actor(GRO, tokens["gro_name"], "pb.jalandhar"), assignee=tokens["lme_name"]
    )
    # A worker claims it and gets it through Rasa, then dies before recording that it did.
    [claimed] = [u for u in Outbox(database).claim(limit=100) if u.number == number]
    await RasaDelivery(servers.url, servers.token).deliver(claimed)
    assert len(graph_api.wait_for(citizen, before + 1)) == before + 1

    retry_now(database)
    await deliver_all(worker(servers, database, graph_api))
    assert notifications_of(database, number) == [("sent", 2, "rasa")]
    assert len(graph_api.sent_to(citizen)) == before + 1


def test_a_citizen_reopens_a_resolved_complaint_in_hinglish_with_a_reason(servers, database, tokens):
    citizen = f"rest-{uuid.uuid4().hex[:8]}"
    view, _ = Complaints(database, load_catalogue()).file(SENDER_PREFIX + citizen, "rest", "hi", a_draft(), citizen)
    lifecycle = Lifecycle(database, load_catalogue())
    lifecycle.act(view.number, "ASSIGN", Actor(GRO, tokens["gro_name"], "pb.jalandhar"), assignee=tokens["lme_name"])
    lifecycle.act(view.number, "RESOLVE", Actor(LME, tokens["lme_name"], "pb.jalandhar"))

    replies = servers.say(citizen, f"complaint {view.number} ko dobara kholo, light abhi bhi band hai")
    assert view.number in " ".join(r.get("text", "") for r in replies)
    replies = servers.say(citizen, "kal raat se phir se andhera hai gali mein")
    done = " ".join(r.get("text", "") for r in replies)
    assert view.number in done and re.search(r"\d{2}-\d{2}-\d{4}", done)
    reopened = Complaints(database, load_catalogue()).get(view.number)
    assert reopened.status == "PENDINGFORASSIGNMENT"
    assert reopened.history[-1].comment == "kal raat se phir se andhera hai gali mein"


def test_a_citizen_adds_a_photo_to_an_open_complaint(servers, database):
    citizen = f"rest-{uuid.uuid4().hex[:8]}"
    view, _ = Complaints(database, load_catalogue()).file(SENDER_PREFIX + citizen, "rest", "en", a_draft(), citizen)
    replies = servers.say(citizen, "I want to add another photo to my complaint")
    assert view.number in " ".join(r.get("text", "") for r in replies)
    replies = servers.say(citizen, "📷", metadata={"image": {"uri": "/media/ab/abcdef.jpg", "mime_type": "image/jpeg"}})
    assert view.number in " ".join(r.get("text", "") for r in replies)
    added = Complaints(database, load_catalogue()).get(view.number)
    assert added.photos[-1] == "/media/ab/abcdef.jpg" and added.history[-1].action == "COMMENT"
    assert added.status == "PENDINGFORASSIGNMENT"


def test_nothing_to_rate_gets_a_clear_answer(servers):
    replies = servers.say(f"rest-{uuid.uuid4().hex[:8]}", "I want to rate the service on my complaint")
    assert "no resolved or rejected complaint" in " ".join(r.get("text", "") for r in replies)


async def test_an_overdue_complaint_escalates_and_the_citizen_hears_who_has_it_and_by_when(
    servers, graph_api, database, live
):
    citizen = a_citizen(live)
    say(servers, graph_api, wa.text(citizen, "नमस्ते जी"), expect=2)
    filed = datetime.now(timezone.utc) - timedelta(days=15)  # a streetlight has 14 days
    view, _ = Complaints(database, load_catalogue()).file(
        citizen, "whatsapp", "hi", a_draft(tenant_id="pb.banga", locality_code=None), f"{citizen}:late", now=filed
    )
    before = len(graph_api.sent_to(citizen))
    now = datetime.now(timezone.utc)
    assert Escalation(database, load_catalogue()).run_once(now=now, cities=["pb.banga"]) >= 1
    await deliver_all(worker(servers, database, graph_api))
    [told] = graph_api.wait_for(citizen, before + 1)[before:]
    text = shown([told])
    assert view.number in text and "आपके शहर के शिकायत अधिकारी" in text
    assert day_of(now + timedelta(days=3)) in text
    assert notifications_of(database, view.number) == [("sent", 1, "rasa")]


async def test_a_duplicate_merged_in_the_console_makes_its_citizen_follow_and_both_hear_the_fix_once(
    servers, graph_api, database, staff_api, tokens, live
):
    first, kept = citizen_writes_then_files(servers, graph_api, database, live, "ਸਤ ਸ੍ਰੀ ਅਕਾਲ ਜੀ")
    second = a_citizen(live)
    say(servers, graph_api, wa.text(second, "नमस्ते जी"), expect=2)
    duplicate, _ = Complaints(database, load_catalogue()).file(second, "whatsapp", "hi", a_draft(), f"{second}:1")
    before = {citizen: len(graph_api.sent_to(citizen)) for citizen in (first, second)}

    act(staff_api, tokens["gro"], duplicate.number, action="MERGE", into=kept)
    act(staff_api, tokens["gro"], kept, action="ASSIGN", assignee=tokens["lme_name"])
    act(staff_api, tokens["lme"], kept, action="RESOLVE", comment="ਨਵਾਂ ਬੱਲਬ")
    await deliver_all(worker(servers, database, graph_api))

    assigned, resolved = graph_api.wait_for(first, before[first] + 2)[before[first] :]
    assert kept in shown([resolved]) and {title for title, _ in choices(resolved)} == {"ਰੇਟਿੰਗ ਦਿਓ ⭐", "ਦੁਬਾਰਾ ਖੋਲ੍ਹੋ"}
    merged, followed_assign, followed_resolve = graph_api.wait_for(second, before[second] + 3)[before[second] :]
    assert duplicate.number in shown([merged]) and kept in shown([merged]) and "फ़ॉलो" in shown([merged])
    for told in (followed_assign, followed_resolve):
        assert kept in shown([told]) and "फ़ॉलो कर रहे हैं" in shown([told])
    # A follower may not rate or reopen someone else's complaint: no buttons for them.
    assert followed_resolve["type"] == "text" and "ਨਵਾਂ ਬੱਲਬ" in shown([followed_resolve])
    await deliver_all(worker(servers, database, graph_api))
    assert len(graph_api.sent_to(first)) == before[first] + 2 and len(graph_api.sent_to(second)) == before[second] + 3


async def test_a_second_citizen_reporting_the_same_problem_follows_the_first_and_both_hear_the_fix_once(
    servers, graph_api, database, staff_api, tokens, live
):
    first, second = a_citizen(live), a_citizen(live)
    say(servers, graph_api, wa.text(first, "hello"), expect=2)
    place = dict(
        tenant_id="pb.amritsar", locality_code="ASR007", locality_name="Putlighar", latitude=None, longitude=None
    )
    kept, _ = Complaints(database, load_catalogue()).file(first, "whatsapp", "en", a_draft(**place), f"{first}:1")
    amritsar = Staff(database, load_catalogue())
    suffix = uuid.uuid4().hex[:6]
    amritsar.add(f"gro.asr.{suffix}", "Ravinder Kaur", GRO, "pb.amritsar")
    amritsar.add(f"lme.asr.{suffix}", "Jaspal Singh", LME, "pb.amritsar")
    gro, lme = (amritsar.issue_token(f"{role}.asr.{suffix}") for role in ("gro", "lme"))

    exchange(servers, graph_api, wa.text(second, "hello"))
    exchange(servers, graph_api, wa.text(second, "the street light in our lane is not working, Putlighar Amritsar"))
    replies = exchange(servers, graph_api, wa.text(second, "skip"))
    assert "Putlighar" in shown(replies)
    [asked] = exchange(servers, graph_api, wa.text(second, "yes"))
    assert kept.number in shown([asked]) and "already reported" in shown([asked])
    follow = dict(choices(asked))["Follow it"]
    [following] = exchange(servers, graph_api, wa.button_reply(second, follow, "Follow it"))
    assert kept.number in shown([following]) and "You now follow" in shown([following])
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Complaint).where(Complaint.sender_id == second)) == 0

    before = {citizen: len(graph_api.sent_to(citizen)) for citizen in (first, second)}
    act(staff_api, gro, kept.number, action="ASSIGN", assignee=f"lme.asr.{suffix}")
    act(staff_api, lme, kept.number, action="RESOLVE", comment="new LED fitted")
    await deliver_all(worker(servers, database, graph_api))
    await deliver_all(worker(servers, database, graph_api))
    for citizen in (first, second):
        assigned, resolved = graph_api.wait_for(citizen, before[citizen] + 2)[before[citizen] :]
        assert kept.number in shown([resolved]) and "new LED fitted" in shown([resolved])
        assert len(graph_api.sent_to(citizen)) == before[citizen] + 2  # once each


async def test_a_citizen_who_stops_in_the_middle_of_filing_is_reminded_once_and_continue_asks_again(
    servers, graph_api, database, live
):
    citizen = a_citizen(live)
    exchange(servers, graph_api, wa.text(citizen, "ਸਤ ਸ੍ਰੀ ਅਕਾਲ ਜੀ"))
    asked = exchange(servers, graph_api, wa.text(citizen, "ਸਾਡੀ ਗਲੀ ਦੀ ਸਟਰੀਟ ਲਾਈਟ ਖਰਾਬ ਹੈ, ਨਵਾਂਸ਼ਹਿਰ"))
    question = shown(asked[-1:])
    assert question, "the form asks something"

    quiet = Worker.from_services(
        build(Settings(database_url=database.url, rasa_url=servers.url, rasa_auth_token=servers.token))
    )
    quiet.reminders = FilingReminders(database, timedelta(seconds=3))
    before = len(graph_api.sent_to(citizen))
    time.sleep(4)
    assert await quiet.remind() >= 1
    [reminder] = graph_api.wait_for(citizen, before + 1)[before:]
    light = load_catalogue().services["StreetLightNotWorking"].name("pa")
    assert light in shown([reminder]) and "ਅਜੇ ਦਰਜ ਨਹੀਂ ਹੋਈ" in shown([reminder])
    assert {title for title, _ in choices(reminder)} == {"ਜਾਰੀ ਰੱਖੋ", "ਰੱਦ ਕਰੋ"}

    # Another round, another worker, much later: never a second reminder of this filing.
    again = Worker.from_services(
        build(Settings(database_url=database.url, rasa_url=servers.url, rasa_auth_token=servers.token))
    )
    again.reminders = FilingReminders(database, timedelta(seconds=3))
    await again.remind()
    time.sleep(2)
    assert len(graph_api.sent_to(citizen)) == before + 1

    carry_on = dict(choices(reminder))["ਜਾਰੀ ਰੱਖੋ"]
    replies = exchange(servers, graph_api, wa.button_reply(citizen, carry_on, "ਜਾਰੀ ਰੱਖੋ"))
    assert shown(replies[:1]) == "ਠੀਕ ਹੈ, ਅੱਗੇ ਚੱਲਦੇ ਹਾਂ।"
    # The open question again, not "Continue" taken as its answer.
    assert shown(replies[-1:]) == question
