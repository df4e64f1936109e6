"""The notification outbox on both databases, and the worker's handling of a Rasa that is down and of
citizens outside WhatsApp's 24-hour window (a template, at the stand-in Graph API)."""

import asyncio
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from notifier.delivery import RasaDelivery, TemplateDelivery
from notifier.worker import Worker
from seva.catalogue import load_catalogue
from seva.citizens import Citizens
from seva.lifecycle import Lifecycle
from seva.models import Notification
from seva.outbox import FAILED, LEASE, MAX_ATTEMPTS, PENDING, SENT, Outbox, backoff
from seva.responses import load_responses
from seva.staff import Staff
from seva.storage import Database
from seva.workflow import GRO, LME, Actor
from tests.helpers import DOWN_DATABASE_URL, WHATSAPP, a_draft
from whatsapp_cloud.api import GraphApi

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
GRO_JAL = Actor(GRO, "gro.jalandhar", "pb.jalandhar")
# Nothing listens on port 1: Rasa is down.
RASA_DOWN = "http://127.0.0.1:1"


@pytest.fixture
def lifecycle(database):
    staff = Staff(database, load_catalogue())
    staff.add("gro.jalandhar", "Harpreet Kaur", GRO, "pb.jalandhar")
    staff.add("lme.jalandhar", "Gurdeep Singh", LME, "pb.jalandhar")
    return Lifecycle(database, load_catalogue())


def file_and_assign(complaints, lifecycle, sender="919812345678", channel="whatsapp", language="pa", key="d1"):
    view, _ = complaints.file(sender, channel, language, a_draft(), f"{sender}:{key}", now=NOW)
    lifecycle.act(view.number, "ASSIGN", GRO_JAL, comment="team on the way", assignee="lme.jalandhar", now=NOW)
    return view.number


def states(database):
    with database.session() as session:
        return [(n.state, n.attempts) for n in session.scalars(select(Notification).order_by(Notification.id))]


def test_a_claimed_notification_is_leased_and_comes_back_if_its_worker_dies(database, complaints, lifecycle):
    number = file_and_assign(complaints, lifecycle)
    outbox = Outbox(database)
    [update] = outbox.claim(now=NOW)
    assert (update.number, update.action, update.status, update.comment) == (
        number,
        "ASSIGN",
        "PENDINGATLME",
        "team on the way",
    )
    assert (update.recipient, update.channel, update.language, update.attempts) == ("919812345678", "whatsapp", "pa", 1)
    assert outbox.claim(now=NOW + LEASE - timedelta(seconds=1)) == []
    [again] = outbox.claim(now=NOW + LEASE)
    assert again.id == update.id and again.attempts == 2
    outbox.sent(update.id, "rasa", now=NOW + LEASE)
    assert outbox.claim(now=NOW + timedelta(days=1)) == [] and states(database) == [(SENT, 2)]


def test_a_complaints_updates_go_out_in_order(database, complaints, lifecycle):
    number = file_and_assign(complaints, lifecycle)
    lifecycle.act(number, "RESOLVE", Actor(LME, "lme.jalandhar", "pb.jalandhar"), now=NOW)
    outbox = Outbox(database)
    [assigned] = outbox.claim(now=NOW)
    assert assigned.action == "ASSIGN"
    outbox.failed(assigned.id, "Rasa unreachable", now=NOW)
    # The resolution waits for the assignment, which is retried first.
    assert outbox.claim(now=NOW + timedelta(seconds=1)) == []
    assert [u.action for u in outbox.claim(now=NOW + backoff(1))] == ["ASSIGN"]
    outbox.sent(assigned.id, "rasa")
    assert [u.action for u in outbox.claim(now=NOW + backoff(1))] == ["RESOLVE"]


def test_the_citizen_is_told_in_the_language_they_speak_now(database, complaints, lifecycle):
    file_and_assign(complaints, lifecycle, language="en")
    Citizens(database).remember_language("919812345678", "hi", chosen=True)
    [update] = Outbox(database).claim(now=NOW)
    assert update.language == "hi"


def test_failures_back_off_and_are_given_up_after_a_day_of_tries(database, complaints, lifecycle):
    file_and_assign(complaints, lifecycle)
    outbox = Outbox(database)
    now = NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        [update] = outbox.claim(now=now)
        assert update.attempts == attempt
        state = outbox.failed(update.id, "Rasa unreachable", now=now)
        now += backoff(attempt)
    assert state == FAILED and outbox.claim(now=now + timedelta(days=7)) == []
    assert backoff(1) == timedelta(seconds=10) and backoff(30) == timedelta(hours=1)
    assert sum((backoff(a) for a in range(1, MAX_ATTEMPTS)), timedelta()) > timedelta(hours=20)


def test_workers_claiming_at_once_share_the_outbox_without_overlap(database, complaints, lifecycle):
    for i in range(30):
        file_and_assign(complaints, lifecycle, sender=f"91981234{i:04d}", key=str(i))
    outbox = Outbox(database)
    claimed, barrier = [], threading.Barrier(3)

    def work():
        barrier.wait()
        while batch := outbox.claim(limit=4, now=NOW):
            claimed.extend(u.id for u in batch)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 30


async def test_with_rasa_down_the_notification_waits_and_nothing_is_lost(database, complaints, lifecycle):
    file_and_assign(complaints, lifecycle, channel="rest")
    worker = Worker(
        Outbox(database), RasaDelivery(RASA_DOWN, timeout_seconds=3), None, Citizens(database).last_whatsapp_at
    )
    assert await worker.run_once() == 1
    with database.session() as session:
        notification = session.scalars(select(Notification)).one()
        assert (notification.state, notification.attempts) == (PENDING, 1)
        assert "Rasa unreachable" in notification.last_error
        assert notification.next_attempt_at.replace(tzinfo=timezone.utc) > datetime.now(timezone.utc)


async def test_outside_the_24_hour_window_a_template_goes_out_in_the_citizens_language(
    database, complaints, lifecycle, graph_api
):
    citizen = f"9198{uuid.uuid4().int % 10**8:08d}"
    number = file_and_assign(complaints, lifecycle, sender=citizen, language="pa")
    Citizens(database).wrote_on_whatsapp(citizen, at=datetime.now(timezone.utc) - timedelta(hours=30))
    api = GraphApi(
        WHATSAPP["WHATSAPP_ACCESS_TOKEN"],
        WHATSAPP["WHATSAPP_PHONE_NUMBER_ID"],
        base_url=graph_api.url,
        backoff_seconds=0.01,
    )
    templates = TemplateDelivery(api, "seva_complaint_update", load_catalogue(), load_responses())
    # Rasa is down: a template does not need it.
    worker = Worker(Outbox(database), RasaDelivery(RASA_DOWN), templates, Citizens(database).last_whatsapp_at)
    assert await worker.run_once() == 1
    [message] = graph_api.sent_to(citizen)
    template = message["template"]
    assert (template["name"], template["language"]["code"]) == ("seva_complaint_update", "pa")
    parameters = [p["text"] for p in template["components"][0]["parameters"]]
    catalogue = load_catalogue()
    assert parameters == [
        number,
        catalogue.services["StreetLightNotWorking"].name("pa"),
        catalogue.label("statuses", "PENDINGATLME", "pa"),
        "team on the way",
    ]
    with database.session() as session:
        notification = session.scalars(select(Notification)).one()
        assert (notification.state, notification.sent_via) == (SENT, "template")


async def test_a_template_staff_chose_goes_out_in_the_citizens_language_in_the_whatsapp_template(
    database, complaints, lifecycle, graph_api
):
    citizen = f"9198{uuid.uuid4().int % 10**8:08d}"
    number = file_and_assign(complaints, lifecycle, sender=citizen, language="hi")
    lifecycle.act(number, "COMMENT", Actor(LME, "lme.jalandhar", "pb.jalandhar"), template="comment.material")
    api = GraphApi(WHATSAPP["WHATSAPP_ACCESS_TOKEN"], WHATSAPP["WHATSAPP_PHONE_NUMBER_ID"], base_url=graph_api.url)
    templates = TemplateDelivery(api, "seva_complaint_update", load_catalogue(), load_responses())
    # Long since the citizen wrote: both updates, in order, go out as the template.
    worker = Worker(Outbox(database), RasaDelivery(RASA_DOWN), templates, lambda citizen: None)
    while await worker.run_once():
        pass
    comment = graph_api.sent_to(citizen)[-1]["template"]["components"][0]["parameters"][3]["text"]
    assert comment == load_responses().get("comment.material").text("hi")


async def test_a_template_whatsapp_refuses_is_tried_again_later(database, complaints, lifecycle, graph_api):
    citizen = f"9198{uuid.uuid4().int % 10**8:08d}"
    file_and_assign(complaints, lifecycle, sender=citizen)
    api = GraphApi(
        WHATSAPP["WHATSAPP_ACCESS_TOKEN"], WHATSAPP["WHATSAPP_PHONE_NUMBER_ID"], base_url=graph_api.url, attempts=1
    )
    graph_api.fail_next(400, error_code=132001)  # template does not exist (yet)
    worker = Worker(
        Outbox(database),
        RasaDelivery(RASA_DOWN),
        TemplateDelivery(api, "seva_complaint_update", load_catalogue(), load_responses()),
        Citizens(database).last_whatsapp_at,
    )
    await worker.run_once()
    assert graph_api.sent_to(citizen) == [] and states(database) == [(PENDING, 1)]


async def test_the_worker_outlives_a_database_that_is_down():
    down = Database(DOWN_DATABASE_URL)
    worker = Worker(Outbox(down), RasaDelivery(RASA_DOWN), None, Citizens(down).last_whatsapp_at)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop, interval=0.1))
    await asyncio.sleep(1)
    assert not running.done()
    stop.set()
    await asyncio.wait_for(running, timeout=10)
    down.dispose()
