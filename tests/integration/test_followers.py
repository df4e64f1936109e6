"""Duplicates merged into the complaint kept, on both databases: the duplicate closes with a link to it, its
citizens follow it, and every later change of it is told to each of them once."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from seva.models import Notification
from seva.outbox import Outbox
from seva.storage import utcnow
from seva.workflow import GRO, LME, Actor, Refused
from tests.helpers import a_draft

NOW = utcnow()
OFFICER = Actor(GRO, "gro.asha", "pb.jalandhar")
FIELD = Actor(LME, "lme.gurdeep", "pb.jalandhar")


@pytest.fixture
def two(services):
    """The same dark streetlight reported by two citizens, the first a day before the second."""
    services.staff.add("lme.gurdeep", "Gurdeep Singh", LME, "pb.jalandhar")
    file = services.complaints.file
    first, _ = file("citizen-first", "whatsapp", "pa", a_draft(), "first", now=NOW - timedelta(days=1))
    second, _ = file("citizen-second", "whatsapp", "hi", a_draft(), "second", now=NOW)
    return first.number, second.number


def told(services):
    """(recipient, action) of every notification, oldest first."""
    with services.database.session() as session:
        rows = session.execute(select(Notification).order_by(Notification.id)).scalars().all()
        return [(n.recipient, n.event.action) for n in rows]


def test_a_merged_duplicate_closes_with_a_link_and_its_citizen_follows_the_one_kept(services, two):
    kept, duplicate = two
    view = services.lifecycle.act(duplicate, "MERGE", OFFICER, into=kept.lower())
    assert (view.status, view.merged_into) == ("CLOSEDAFTERREJECTION", kept)
    assert services.complaints.get(kept).followers == 1
    assert told(services) == [("citizen-second", "MERGE")]
    assert services.complaints.find("citizen-second", kept).number == kept  # "status of" works for a follower
    assert [c.number for c in services.complaints.list_for("citizen-second").items][:2] == [kept, duplicate]


def test_every_later_change_of_the_kept_complaint_reaches_each_citizen_once_and_in_order(services, two):
    kept, duplicate = two
    services.lifecycle.act(duplicate, "MERGE", OFFICER, into=kept)
    services.lifecycle.act(kept, "ASSIGN", OFFICER, assignee="lme.gurdeep")
    services.lifecycle.act(kept, "RESOLVE", FIELD, template="resolve.replaced")
    assert told(services) == [
        ("citizen-second", "MERGE"),
        ("citizen-first", "ASSIGN"),
        ("citizen-second", "ASSIGN"),
        ("citizen-first", "RESOLVE"),
        ("citizen-second", "RESOLVE"),
    ]
    outbox = Outbox(services.database)
    first_round = outbox.claim()
    # Each citizen's updates in order: their RESOLVE waits until their ASSIGN is out.
    assert [(u.recipient, u.action, u.following) for u in first_round] == [
        ("citizen-second", "MERGE", False),
        ("citizen-first", "ASSIGN", False),
        ("citizen-second", "ASSIGN", True),
    ]
    assert first_round[0].merged_into == kept


def test_a_merge_needs_another_open_complaint_of_the_same_city(services, two):
    kept, duplicate = two
    elsewhere, _ = services.complaints.file("c3", "whatsapp", "en", a_draft(tenant_id="pb.amritsar"), "c3")
    for into in (None, duplicate, elsewhere.number, "PB-PGR-2020-01-01-000009"):
        with pytest.raises(Refused) as refused:
            services.lifecycle.act(duplicate, "MERGE", OFFICER, into=into)
        assert refused.value.reason == "merge_into"
    services.lifecycle.act(kept, "REJECT", OFFICER, comment="private land")
    with pytest.raises(Refused, match="closed"):
        services.lifecycle.act(duplicate, "MERGE", OFFICER, into=kept)
    assert services.complaints.get(duplicate).status == "PENDINGFORASSIGNMENT" and told(services)[-1][1] == "REJECT"


def test_the_followers_of_a_merged_duplicate_follow_the_one_kept_once(services, two):
    kept, duplicate = two
    third, _ = services.complaints.file("citizen-third", "whatsapp", "en", a_draft(), "third")
    services.lifecycle.act(third.number, "MERGE", OFFICER, into=duplicate)
    services.lifecycle.act(duplicate, "MERGE", OFFICER, into=kept)
    assert services.complaints.get(kept).followers == 2
    services.lifecycle.act(kept, "COMMENT", OFFICER, comment="crew on the way")
    assert sorted(r for r, action in told(services) if action == "COMMENT") == [
        "citizen-first",
        "citizen-second",
        "citizen-third",
    ]
