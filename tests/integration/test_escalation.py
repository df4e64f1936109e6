"""Escalation on both databases, with a controlled clock: an overdue complaint goes up its ladder one level at a
time, each level once, even with two workers at the same moment; the citizen's notification is written with it."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from seva.escalation import Escalation
from seva.models import Notification
from seva.outbox import Outbox
from seva.storage import utcnow
from seva.workflow import GRO, LME, Actor
from tests.helpers import a_draft

NOW = utcnow()


@pytest.fixture
def overdue(services):
    """A streetlight complaint (14 days to fix) filed 15 days ago: overdue a day."""
    view, _ = services.complaints.file(
        "citizen-late", "whatsapp", "hi", a_draft(), "late", now=NOW - timedelta(days=15)
    )
    return view.number


def levels(services, number):
    return [(e.action, e.level, e.actor, e.role) for e in services.complaints.get(number).history if e.level]


def test_an_overdue_complaint_goes_up_one_level_at_a_time_and_each_level_once(services, overdue):
    escalation = Escalation(services.database, services.catalogue)
    assert escalation.run_once(now=NOW) == 1
    assert escalation.run_once(now=NOW + timedelta(days=1)) == 0  # the grievance officer has three days
    assert escalation.run_once(now=NOW + timedelta(days=3)) == 1
    assert escalation.run_once(now=NOW + timedelta(days=10)) == 1
    assert escalation.run_once(now=NOW + timedelta(days=60)) == 0  # the top of the ladder
    assert levels(services, overdue) == [
        ("ESCALATE", 1, "seva:escalation", "SYSTEM"),
        ("ESCALATE", 2, "seva:escalation", "SYSTEM"),
        ("ESCALATE", 3, "seva:escalation", "SYSTEM"),
    ]
    view = services.complaints.get(overdue)
    assert view.status == "PENDINGFORASSIGNMENT"  # escalating changes who must act, not the status


def test_the_citizen_is_told_with_the_level_and_the_day_it_is_expected_by(services, overdue):
    Escalation(services.database, services.catalogue).run_once(now=NOW)
    [update] = Outbox(services.database).claim(now=NOW)
    assert (update.action, update.escalated_to.number, update.expected) == ("ESCALATE", 1, NOW + timedelta(days=3))
    assert update.escalated_to.title("hi") == "आपके शहर के शिकायत अधिकारी"


def test_a_complaint_on_time_or_settled_does_not_escalate(services, overdue):
    services.staff.add("lme.g", "Gurdeep Singh", LME, "pb.jalandhar")
    services.complaints.file("citizen-new", "whatsapp", "pa", a_draft(), "new", now=NOW - timedelta(days=2))
    lifecycle = services.lifecycle
    lifecycle.act(overdue, "ASSIGN", Actor(GRO, "gro", "pb.jalandhar"), assignee="lme.g", now=NOW - timedelta(days=1))
    lifecycle.act(overdue, "RESOLVE", Actor(LME, "lme.g", "pb.jalandhar"), now=NOW - timedelta(hours=1))
    assert Escalation(services.database, services.catalogue).run_once(now=NOW) == 0


def test_a_field_employee_past_their_three_days_escalates_though_the_service_has_time(services):
    services.staff.add("lme.g", "Gurdeep Singh", LME, "pb.jalandhar")
    view, _ = services.complaints.file("citizen-slow", "whatsapp", "pa", a_draft(), "slow", now=NOW - timedelta(days=5))
    services.lifecycle.act(
        view.number, "ASSIGN", Actor(GRO, "gro", "pb.jalandhar"), assignee="lme.g", now=NOW - timedelta(days=4)
    )
    assert Escalation(services.database, services.catalogue).run_once(now=NOW) == 1


def test_two_workers_at_the_same_moment_escalate_each_level_once(services, overdue):
    for n in range(5):
        services.complaints.file(f"c{n}", "whatsapp", "pa", a_draft(), f"k{n}", now=NOW - timedelta(days=20))
    workers = [Escalation(services.database, services.catalogue) for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda w: w.run_once(now=NOW), workers))
    assert sum(done) == 6
    with services.database.session() as session:
        assert len(session.scalars(select(Notification)).all()) == 6
    assert levels(services, overdue) == [("ESCALATE", 1, "seva:escalation", "SYSTEM")]
