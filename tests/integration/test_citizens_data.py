"""The citizen's say over their data in the domain, on both databases: consent, stopped updates (the outbox and the
reminders respect them), deletion, and the operator hand-over."""

from datetime import timedelta
from pathlib import Path

import pytest

from seva.citizens import CONSENT, NOTICE_VERSION, START, STOP
from seva.erasure import ERASED_DESCRIPTION
from seva.handovers import CITIZEN, HANDED_BACK, OPERATOR, PENDING, SENT, TIMED_OUT, HandoverError
from seva.media import keep_image
from seva.models import Attachment, Citizen, Complaint, ComplaintEvent, Notification
from seva.outbox import WITHHELD
from seva.storage import utcnow
from seva.workflow import COMMENT, GRO, REJECT, Actor
from tests.helpers import a_draft
from tests.unit.test_photo_metadata import a_photo

OFFICER = Actor(GRO, "gro.one", "pb.jalandhar")


def test_consent_is_recorded_with_its_time_and_the_notices_version(services):
    assert not services.citizens.has_consented("919800000001")
    services.citizens.consent("919800000001")
    assert services.citizens.has_consented("919800000001")
    assert not services.citizens.has_consented("919800000001", version="a later notice")
    [choice] = services.citizens.choices("919800000001")
    assert (choice.choice, choice.notice_version) == (CONSENT, NOTICE_VERSION)
    assert utcnow() - choice.at < timedelta(minutes=1)


def test_stop_and_start_are_recorded_once_each_and_what_was_not_told_is_withheld(services):
    citizen = "919800000002"
    filed, _ = services.complaints.file(citizen, "whatsapp", "en", a_draft(), "k1")
    services.outbox.claim()  # the filing's own notification, if any, is out of the way
    assert services.citizens.stop_updates(citizen) and not services.citizens.stop_updates(citizen)
    services.lifecycle.act(filed.number, COMMENT, OFFICER, comment="on our list")
    assert services.outbox.claim() == []
    assert services.citizens.start_updates(citizen) and not services.citizens.start_updates(citizen)
    services.lifecycle.act(filed.number, COMMENT, OFFICER, comment="done today")
    [update] = services.outbox.claim()
    assert update.comment == "done today"
    with services.database.session() as session:
        states = [n.state for n in session.query(Notification).order_by(Notification.id)]
    assert WITHHELD in states and states[-1] == PENDING
    assert [c.choice for c in services.citizens.choices(citizen)] == [STOP, START]


def test_a_citizen_who_stopped_updates_is_not_reminded_of_a_filing(services):
    services.reminders.touch("919800000003", "whatsapp")
    services.reminders.touch("919800000004", "whatsapp")
    services.citizens.stop_updates("919800000003")
    due = services.reminders.claim_due(now=utcnow() + timedelta(hours=1))
    assert [r.sender_id for r in due] == ["919800000004"]


def test_deletion_waits_for_open_complaints_then_anonymises_them_and_forgets_the_citizen(services, tmp_path):
    citizen, other = "919800000005", "919800000006"
    photo = keep_image(a_photo(gps=True), tmp_path)
    filed, _ = services.complaints.file(
        citizen, "whatsapp", "en", a_draft(photos=[photo.uri], landmark="house no. 12", latitude=31.326012), "k1"
    )
    theirs, _ = services.complaints.file(other, "whatsapp", "en", a_draft(service_code="GarbageNeedsTobeCleared"), "k2")
    services.citizens.consent(citizen)
    services.lifecycle.act(filed.number, COMMENT, Actor.citizen(citizen), comment="my number is 98765 43210")

    erasure = type(services.erasure)(services.database, tmp_path)
    outcome = erasure.request(citizen, "whatsapp", "en")
    assert not outcome.done and outcome.waiting_for == (filed.number,)
    assert erasure.carry_out_waiting() == [] and erasure.conversations_to_erase() == []

    services.lifecycle.act(filed.number, REJECT, OFFICER, comment="not the municipality's")
    [done] = erasure.carry_out_waiting()
    assert (done.sender_id, done.language) == (citizen, "en")
    with services.database.session() as session:
        row = session.query(Complaint).filter_by(number=filed.number).one()
        assert row.sender_id.startswith("erased:") and row.description == ERASED_DESCRIPTION
        assert row.landmark is None and row.latitude == 31.326
        assert session.query(Attachment).filter_by(complaint_id=row.id).count() == 0
        events = session.query(ComplaintEvent).filter_by(complaint_id=row.id).all()
        assert all(citizen not in e.actor and "98765" not in (e.comment or "") for e in events)
        assert session.get(Citizen, citizen) is None
        assert session.query(Complaint).filter_by(number=theirs.number).one().sender_id == other
    assert not Path(photo.uri).exists()
    assert services.citizens.choices(citizen) == []
    # The conversation is erased where it is kept once Rasa has saved the turn that asked.
    assert erasure.conversations_to_erase() == []
    assert erasure.conversations_to_erase(now=utcnow() + timedelta(minutes=1)) == [citizen]
    erasure.conversation_erased(citizen)
    assert erasure.conversations_to_erase(now=utcnow() + timedelta(minutes=1)) == []


def test_deletion_with_nothing_open_is_carried_out_at_once(services, tmp_path):
    outcome = type(services.erasure)(services.database, tmp_path).request("919800000007", "whatsapp", "pa")
    assert outcome.done


def test_a_hand_over_keeps_the_lines_queues_the_operators_reply_and_ends_once(services):
    citizen = "919800000008"
    services.complaints.file(citizen, "whatsapp", "hi", a_draft(tenant_id="pb.zirakpur", locality_code="ZRK001"), "k")
    first = services.handovers.hand_over(citizen, "whatsapp", "hi", [(CITIZEN, "namaste"), ("seva", "Namaste!")])
    assert services.handovers.hand_over(citizen, "whatsapp", "hi") == first
    assert services.handovers.open_for(citizen) == first
    services.handovers.citizen_wrote(first, "koi hai?")

    assert [h.id for h in services.handovers.queue(["pb.zirakpur"])] == [first]
    assert services.handovers.queue(["pb.amritsar"]) == []
    with pytest.raises(HandoverError):
        services.handovers.reply(first, "gro.amritsar", "hello", tenants=["pb.amritsar"])
    with pytest.raises(HandoverError):
        services.handovers.reply(first, "gro.zirakpur", "   ", tenants=["pb.zirakpur"])

    services.handovers.reply(first, "gro.zirakpur", "Ji, main dekh rahi hoon", tenants=["pb.zirakpur"])
    [reply] = services.handovers.replies_to_send()
    assert (reply.recipient, reply.text) == (citizen, "Ji, main dekh rahi hoon")
    services.handovers.reply_sent(reply.id)
    assert services.handovers.replies_to_send() == []
    conversation = services.handovers.conversation(first)
    assert [line.author for line in conversation.lines][-2:] == [CITIZEN, OPERATOR]
    assert conversation.lines[-1].state == SENT and not conversation.waiting

    # Answered: not timed out however long ago it was asked.
    assert services.handovers.time_out(now=utcnow() + timedelta(hours=1)) == 0
    services.handovers.hand_back(first, "gro.zirakpur")
    with pytest.raises(HandoverError):
        services.handovers.hand_back(first, "gro.zirakpur")
    assert services.handovers.open_for(citizen) is None
    [ended] = services.handovers.to_tell_back()
    assert ended.how == HANDED_BACK
    services.handovers.told_back(ended.id)
    assert services.handovers.to_tell_back() == []


def test_a_hand_over_nobody_answers_times_out_and_a_citizen_writing_after_a_reply_waits_again(services):
    services.handovers.hand_over("919800000009", "whatsapp", "pa")
    answered = services.handovers.hand_over("919800000010", "whatsapp", "en")
    services.handovers.reply(answered, "gro", "Hello, how can I help?")
    services.handovers.citizen_wrote(answered, "the light is still off")
    later = utcnow() + services.handovers.timeout + timedelta(seconds=1)
    assert services.handovers.time_out(now=later) == 2
    assert {e.how for e in services.handovers.to_tell_back()} == {TIMED_OUT}
    assert services.handovers.forget_before(utcnow() + timedelta(days=1)) == 2
    assert services.handovers.queue() == []
