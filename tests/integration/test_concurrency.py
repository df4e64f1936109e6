"""On the production database (the machine's PostgreSQL): fifty citizens filing at once while staff act at
once, racing each other over the same complaints. Numbers stay unique, no row is lost or doubled, and every
complaint's history replays to its final state."""

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from seva.catalogue import load_catalogue
from seva.complaints import Complaints
from seva.lifecycle import Lifecycle
from seva.models import Complaint, ComplaintEvent, Notification
from seva.staff import Staff
from seva.workflow import GRO, LME, Actor, Refused
from tests.helpers import a_draft

CITIZENS = 50
WORKED_ON = 20


def all_at_once(jobs):
    start = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        start.wait()
        try:
            job()
        except Exception as error:  # collected, so that the test reports it
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_fifty_citizens_file_while_staff_race_over_the_same_complaints(database):
    catalogue = load_catalogue()
    complaints, lifecycle = Complaints(database, catalogue), Lifecycle(database, catalogue)
    staff = Staff(database, catalogue)
    for name, role in [("gro.a", GRO), ("gro.b", GRO), ("lme.a", LME), ("lme.b", LME)]:
        staff.add(name, name, role, "pb.jalandhar")
    earlier = [
        complaints.file(f"early-{i}", "whatsapp", "en", a_draft(), f"early-{i}:1")[0].number for i in range(WORKED_ON)
    ]
    outcomes = Counter()
    lock = threading.Lock()

    def citizen_files(i):
        def job():
            # Every citizen's "yes" arrives twice, as a retried webhook would deliver it.
            for _ in range(2):
                complaints.file(
                    f"citizen-{i}", "whatsapp", "pa", a_draft(description=f"problem {i}"), f"citizen-{i}:draft"
                )

        return job

    def officer(number, action, name, **details):
        def job():
            try:
                lifecycle.act(number, action, Actor(GRO, name, "pb.jalandhar"), **details)
                result = action
            except Refused as refused:
                result = f"refused:{refused.reason}"
            with lock:
                outcomes[result] += 1

        return job

    jobs = [citizen_files(i) for i in range(CITIZENS)]
    for number in earlier:
        # Two officers assign the same complaint to different employees, and a third tries to reject it.
        jobs += [
            officer(number, "ASSIGN", "gro.a", assignee="lme.a"),
            officer(number, "ASSIGN", "gro.b", assignee="lme.b"),
            officer(number, "REJECT", "gro.b", comment="duplicate"),
        ]
    assert all_at_once(jobs) == []

    # Exactly one of the three racing officers won each complaint; the others were refused for its status.
    won = outcomes["ASSIGN"] + outcomes["REJECT"]
    assert won == WORKED_ON and outcomes["refused:status"] == 2 * WORKED_ON

    with database.session() as session:
        numbers = session.scalars(select(Complaint.number)).all()
        assert len(numbers) == CITIZENS + WORKED_ON == len(set(numbers))
        for complaint in session.scalars(select(Complaint)):
            events = session.scalars(
                select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id).order_by(ComplaintEvent.id)
            ).all()
            assert events[0].action == "APPLY" and events[0].from_status is None
            for before, after in zip(events, events[1:]):
                assert after.from_status == before.to_status
            assert events[-1].to_status == complaint.status
            if complaint.status == "PENDINGATLME":
                assert events[-1].comment is None and complaint.assigned_to in ("lme.a", "lme.b")
        staff_events = session.scalar(
            select(func.count()).select_from(ComplaintEvent).where(ComplaintEvent.role != "CITIZEN")
        )
        assert staff_events == WORKED_ON
        assert session.scalar(select(func.count()).select_from(Notification)) == staff_events
