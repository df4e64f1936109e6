"""The PGR lifecycle against real databases (a SQLite file and the machine's PostgreSQL): who may do what, when,
what is recorded, and the notification written with each change."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from seva.catalogue import load_catalogue
from seva.complaints import Query
from seva.lifecycle import Lifecycle, NotFound, Photo
from seva.models import Attachment, Notification
from seva.outbox import Outbox
from seva.staff import Staff
from seva.workflow import CITIZEN, GRO, LME, Actor, Refused
from tests.helpers import a_draft

FILED_AT = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
GRO_JAL = Actor(GRO, "gro.jalandhar", "pb.jalandhar")
LME_JAL = Actor(LME, "lme.jalandhar", "pb.jalandhar")
OTHER_LME_JAL = Actor(LME, "lme2.jalandhar", "pb.jalandhar")
GRO_AMRITSAR = Actor(GRO, "gro.amritsar", "pb.amritsar")


@pytest.fixture
def lifecycle(database):
    staff = Staff(database, load_catalogue())
    staff.add("gro.jalandhar", "Harpreet Kaur", GRO, "pb.jalandhar")
    staff.add("lme.jalandhar", "Gurdeep Singh", LME, "pb.jalandhar")
    staff.add("lme2.jalandhar", "Ramesh Kumar", LME, "pb.jalandhar")
    staff.add("lme.amritsar", "Jaspal Singh", LME, "pb.amritsar")
    return Lifecycle(database, load_catalogue())


@pytest.fixture
def filed(complaints):
    view, _ = complaints.file("citizen-1", "whatsapp", "pa", a_draft(), "citizen-1:d1", now=FILED_AT)
    return view.number


def notifications(database):
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Notification))


def test_a_complaint_goes_assign_resolve_rate_and_every_step_is_recorded(lifecycle, filed, database):
    t = FILED_AT
    lifecycle.act(
        filed, "ASSIGN", GRO_JAL, comment="please check today", assignee="lme.jalandhar", now=t + timedelta(hours=1)
    )
    view = lifecycle.act(filed, "RESOLVE", LME_JAL, comment="new bulb fitted", now=t + timedelta(hours=5))
    assert view.status == "RESOLVED" and view.assigned_to == "lme.jalandhar"
    view = lifecycle.act(
        filed, "RATE", Actor.citizen("citizen-1"), rating=4, comment="quick work", now=t + timedelta(days=1)
    )
    assert view.status == "CLOSEDAFTERRESOLUTION" and view.rating == 4
    assert [(h.action, h.status, h.actor, h.role, h.comment, h.at) for h in view.history] == [
        ("APPLY", "PENDINGFORASSIGNMENT", "citizen:citizen-1", CITIZEN, None, t),
        ("ASSIGN", "PENDINGATLME", "staff:gro.jalandhar", GRO, "please check today", t + timedelta(hours=1)),
        ("RESOLVE", "RESOLVED", "staff:lme.jalandhar", LME, "new bulb fitted", t + timedelta(hours=5)),
        ("RATE", "CLOSEDAFTERRESOLUTION", "citizen:citizen-1", CITIZEN, "quick work", t + timedelta(days=1)),
    ]
    # The citizen is told of what staff did, not of what they did themselves.
    assert notifications(database) == 2


def test_a_rejection_needs_a_reason_and_a_refusal_changes_nothing(lifecycle, filed, complaints, database):
    before = complaints.get(filed)
    with pytest.raises(Refused) as refused:
        lifecycle.act(filed, "REJECT", GRO_JAL, comment="  ")
    assert refused.value.reason == "comment_required"
    assert complaints.get(filed) == before and notifications(database) == 0

    view = lifecycle.act(filed, "REJECT", GRO_JAL, comment="this is a private plot, not municipal land")
    assert view.status == "REJECTED" and view.history[-1].comment.startswith("this is a private plot")
    with pytest.raises(Refused) as refused:
        lifecycle.act(filed, "ASSIGN", GRO_JAL, assignee="lme.jalandhar")
    assert refused.value.reason == "status"
    assert len(complaints.get(filed).history) == 2 and notifications(database) == 1


@pytest.mark.parametrize(
    "actor, action, reason",
    [
        (GRO_AMRITSAR, "ASSIGN", "city"),
        (LME_JAL, "ASSIGN", "role"),
        (GRO_JAL, "RESOLVE", "role"),
        (Actor.citizen("citizen-1"), "ASSIGN", "role"),
        (GRO_JAL, "REOPEN", "role"),
        (GRO_JAL, "FIX", "unknown_action"),
    ],
)
def test_staff_act_only_in_their_role_and_city(lifecycle, filed, complaints, actor, action, reason):
    with pytest.raises(Refused) as refused:
        lifecycle.act(filed, action, actor, comment="c", assignee="lme.jalandhar")
    assert refused.value.reason == reason
    assert complaints.get(filed).status == "PENDINGFORASSIGNMENT"


def test_only_the_assigned_field_employee_resolves_and_only_one_of_the_city_is_assigned(lifecycle, filed):
    with pytest.raises(Refused) as refused:
        lifecycle.act(filed, "ASSIGN", GRO_JAL, assignee="lme.amritsar")
    assert refused.value.reason == "assignee"
    with pytest.raises(Refused) as refused:
        lifecycle.act(filed, "ASSIGN", GRO_JAL)
    assert refused.value.reason == "assignee_required"
    lifecycle.act(filed, "ASSIGN", GRO_JAL, assignee="lme.jalandhar")
    with pytest.raises(Refused) as refused:
        lifecycle.act(filed, "RESOLVE", OTHER_LME_JAL)
    assert refused.value.reason == "not_assigned_to_you"


def test_a_field_employee_hands_back_and_the_officer_assigns_again(lifecycle, filed):
    lifecycle.act(filed, "ASSIGN", GRO_JAL, assignee="lme.jalandhar")
    view = lifecycle.act(filed, "REASSIGN", LME_JAL, comment="this is a water supply line, not mine")
    assert view.status == "PENDINGFORREASSIGNMENT" and view.assigned_to is None and view.stage_due_at is None
    view = lifecycle.act(filed, "ASSIGN", GRO_JAL, assignee="lme2.jalandhar")
    assert view.status == "PENDINGATLME" and view.assigned_to == "lme2.jalandhar"


def test_a_citizen_reopens_within_ten_days_with_a_reason_and_the_sla_starts_again(lifecycle, filed):
    lifecycle.act(filed, "ASSIGN", GRO_JAL, assignee="lme.jalandhar", now=FILED_AT)
    resolved_at = FILED_AT + timedelta(days=1)
    lifecycle.act(filed, "RESOLVE", LME_JAL, now=resolved_at)
    citizen = Actor.citizen("citizen-1")
    with pytest.raises(Refused) as refused:
        lifecycle.act(filed, "REOPEN", citizen, now=resolved_at + timedelta(days=2))
    assert refused.value.reason == "comment_required"
    reopened_at = resolved_at + timedelta(days=9, hours=23)
    view = lifecycle.act(filed, "REOPEN", citizen, comment="the light went off again", now=reopened_at)
    assert view.status == "PENDINGFORASSIGNMENT" and view.assigned_to is None
    assert view.due_at == reopened_at + timedelta(hours=336)


def test_reopening_after_ten_days_is_refused(lifecycle, filed, complaints):
    lifecycle.act(filed, "REJECT", GRO_JAL, comment="duplicate of an older complaint", now=FILED_AT)
    with pytest.raises(Refused) as refused:
        lifecycle.act(
            filed,
            "REOPEN",
            Actor.citizen("citizen-1"),
            comment="not a duplicate",
            now=FILED_AT + timedelta(days=10, minutes=1),
        )
    assert refused.value.reason == "reopen_window"
    assert complaints.get(filed).status == "REJECTED"


def test_a_rejected_complaint_rated_closes_after_rejection_and_a_rating_is_one_to_five(lifecycle, filed):
    lifecycle.act(filed, "REJECT", GRO_JAL, comment="outside municipal limits")
    citizen = Actor.citizen("citizen-1")
    for bad in (0, 6, None):
        with pytest.raises(Refused) as refused:
            lifecycle.act(filed, "RATE", citizen, rating=bad)
        assert refused.value.reason == "rating"
    assert lifecycle.act(filed, "RATE", citizen, rating=1).status == "CLOSEDAFTERREJECTION"
    with pytest.raises(Refused):
        lifecycle.act(filed, "RATE", citizen, rating=5)


def test_a_citizen_acts_only_on_their_own_complaints(lifecycle, filed):
    lifecycle.act(filed, "REJECT", GRO_JAL, comment="outside municipal limits")
    with pytest.raises(NotFound):
        lifecycle.act(filed, "REOPEN", Actor.citizen("someone-else"), comment="reopen it")
    with pytest.raises(NotFound):
        lifecycle.act("PB-PGR-2026-01-01-999999", "ASSIGN", GRO_JAL, assignee="lme.jalandhar")


def test_a_comment_or_photo_is_added_to_an_open_complaint_without_moving_it(lifecycle, filed, database):
    citizen = Actor.citizen("citizen-1")
    view = lifecycle.act(filed, "COMMENT", citizen, photo=Photo("/var/media/ab/abcd.jpg", "image/jpeg", "abcd"))
    assert view.status == "PENDINGFORASSIGNMENT" and "/var/media/ab/abcd.jpg" in view.photos
    view = lifecycle.act(filed, "COMMENT", citizen, comment="it is near the temple gate")
    assert [h.action for h in view.history] == ["APPLY", "COMMENT", "COMMENT"]
    assert notifications(database) == 0
    lifecycle.act(filed, "COMMENT", GRO_JAL, comment="team visits tomorrow morning")
    assert notifications(database) == 1
    lifecycle.act(filed, "REJECT", GRO_JAL, comment="private land")
    with pytest.raises(Refused) as refused:
        lifecycle.act(filed, "COMMENT", citizen, comment="one more thing")
    assert refused.value.reason == "status"
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Attachment)) == 2


def test_overdue_by_service_sla_or_by_three_days_at_the_field_employee(lifecycle, complaints):
    now = FILED_AT + timedelta(days=20)
    old, _ = complaints.file("c", "rest", "en", a_draft(), "c:old", now=FILED_AT)
    fresh, _ = complaints.file("c", "rest", "en", a_draft(), "c:fresh", now=now - timedelta(days=4))
    lifecycle.act(fresh.number, "ASSIGN", GRO_JAL, assignee="lme.jalandhar", now=now - timedelta(days=4))
    calm, _ = complaints.file("c", "rest", "en", a_draft(), "c:calm", now=now - timedelta(days=1))
    assert complaints.get(old.number).overdue(now)  # 336 hours passed
    view = complaints.get(fresh.number)
    assert view.stage_due_at == now - timedelta(days=1) and view.overdue(now)
    assert not complaints.get(calm.number).overdue(now)
    late = complaints.search(Query(tenant_id="pb.jalandhar", overdue=True), now=now)
    on_time = complaints.search(Query(tenant_id="pb.jalandhar", overdue=False), now=now)
    assert {v.number for v in late.items} == {old.number, fresh.number}
    assert {v.number for v in on_time.items} == {calm.number}


def test_a_response_template_says_why_in_place_of_a_comment_and_must_fit_the_action(lifecycle, filed, database):
    with pytest.raises(Refused) as refused:
        lifecycle.act(filed, "REJECT", GRO_JAL, template="resolve.fixed")
    assert refused.value.reason == "template"
    view = lifecycle.act(filed, "REJECT", GRO_JAL, template="reject.duplicate")
    entry = view.history[-1]
    assert (entry.action, entry.template, entry.comment) == ("REJECT", "reject.duplicate", None)


def test_a_proof_photo_belongs_to_the_resolution_and_the_outbox_carries_it_with_the_template(
    lifecycle, filed, database
):
    lifecycle.act(filed, "ASSIGN", GRO_JAL, assignee="lme.jalandhar")
    proof = Photo("/media/ab/abcd.jpg", "image/jpeg", "ab" * 32)
    view = lifecycle.act(filed, "RESOLVE", LME_JAL, template="resolve.replaced", photo=proof)
    assert view.photos[-1] == proof.uri
    with database.session() as session:
        attachment = session.scalars(select(Attachment).where(Attachment.uri == proof.uri)).one()
        assert attachment.event.action == "RESOLVE"
    outbox = Outbox(database)
    [assigned] = outbox.claim()
    assert (assigned.action, assigned.template, assigned.photo) == ("ASSIGN", None, None)
    outbox.sent(assigned.id, "rasa")
    [resolved] = outbox.claim()
    assert (resolved.action, resolved.template, resolved.photo) == ("RESOLVE", "resolve.replaced", proof.uri)
