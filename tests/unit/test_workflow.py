"""The PGR workflow as data: its moves, who may take each action, what each needs and what it changes."""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

import pytest

from seva.workflow import (
    ADMIN,
    CITIZEN,
    GRO,
    LME,
    LME_SLA,
    REOPEN_WINDOW,
    STATUSES,
    SYSTEM,
    TRANSITIONS,
    Actor,
    Refused,
    allowed_actions,
    decide,
    effects,
    may_view,
    refusal,
)

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
SLA = timedelta(hours=72)
GRO_JAL = Actor(GRO, "gro.jalandhar", "pb.jalandhar")
LME_JAL = Actor(LME, "lme.jalandhar", "pb.jalandhar")
OTHER_LME = Actor(LME, "lme.two", "pb.jalandhar")
GRO_AMRITSAR = Actor(GRO, "gro.amritsar", "pb.amritsar")
ADMINISTRATOR = Actor(ADMIN, "meera")
CITIZEN_1 = Actor.citizen("citizen-1")


@dataclass(frozen=True)
class Complaint:
    status: str
    status_changed_at: datetime = NOW
    tenant_id: str = "pb.jalandhar"
    assigned_to: Optional[str] = None


def test_the_moves_are_pgrs_and_filing_is_one_of_them():
    moves = {(a, s): t.moves[s] for a, t in TRANSITIONS.items() for s in t.moves}
    # A comment and an escalation keep the status of any open complaint.
    assert {(a, s) for (a, s), target in moves.items() if target is None} == {
        (a, s)
        for a in ("COMMENT", "ESCALATE")
        for s in ("PENDINGFORASSIGNMENT", "PENDINGFORREASSIGNMENT", "PENDINGATLME")
    }
    assert {k: v for k, v in moves.items() if k[0] not in ("COMMENT", "ESCALATE")} == {
        ("APPLY", None): "PENDINGFORASSIGNMENT",
        ("ASSIGN", "PENDINGFORASSIGNMENT"): "PENDINGATLME",
        ("ASSIGN", "PENDINGFORREASSIGNMENT"): "PENDINGATLME",
        ("REJECT", "PENDINGFORASSIGNMENT"): "REJECTED",
        ("REJECT", "PENDINGFORREASSIGNMENT"): "REJECTED",
        ("RESOLVE", "PENDINGATLME"): "RESOLVED",
        ("REASSIGN", "PENDINGATLME"): "PENDINGFORREASSIGNMENT",
        ("REOPEN", "RESOLVED"): "PENDINGFORASSIGNMENT",
        ("REOPEN", "REJECTED"): "PENDINGFORASSIGNMENT",
        ("RATE", "RESOLVED"): "CLOSEDAFTERRESOLUTION",
        ("RATE", "REJECTED"): "CLOSEDAFTERREJECTION",
        ("MERGE", "PENDINGFORASSIGNMENT"): "CLOSEDAFTERREJECTION",
        ("MERGE", "PENDINGFORREASSIGNMENT"): "CLOSEDAFTERREJECTION",
    }


def test_no_action_moves_a_complaint_from_a_status_the_table_does_not_name():
    actors = {GRO: GRO_JAL, LME: LME_JAL, CITIZEN: CITIZEN_1, SYSTEM: Actor.system()}
    for action, transition in TRANSITIONS.items():
        role = next(iter(transition.roles - {ADMIN}))
        for status in STATUSES:
            if status in transition.moves:
                continue
            with pytest.raises(Refused) as refused:
                decide(action, actors[role], Complaint(status, assigned_to="lme.jalandhar"), NOW, comment="c", rating=3)
            assert refused.value.reason == "status"


def test_filing_is_the_citizens_and_only_for_a_complaint_not_filed_yet():
    assert decide("APPLY", CITIZEN_1, None, NOW) == "PENDINGFORASSIGNMENT"
    assert refusal("APPLY", GRO_JAL, None, NOW).reason == "role"
    assert refusal("APPLY", CITIZEN_1, Complaint("PENDINGFORASSIGNMENT"), NOW).reason == "status"


@pytest.mark.parametrize(
    "actor, complaint, reason",
    [
        (GRO_AMRITSAR, Complaint("PENDINGFORASSIGNMENT"), "city"),
        (OTHER_LME, Complaint("PENDINGATLME", assigned_to="lme.jalandhar"), "not_assigned_to_you"),
        (LME_JAL, Complaint("PENDINGFORASSIGNMENT"), "role"),
        (
            CITIZEN_1,
            Complaint("RESOLVED", status_changed_at=NOW - REOPEN_WINDOW - timedelta(minutes=1)),
            "reopen_window",
        ),
    ],
)
def test_who_may_act_is_decided_by_role_city_assignment_and_time(actor, complaint, reason):
    action = "REOPEN" if actor is CITIZEN_1 else "RESOLVE" if actor is OTHER_LME else "ASSIGN"
    assert refusal(action, actor, complaint, NOW).reason == reason


def test_what_an_action_needs_is_checked_after_who_may_take_it():
    with pytest.raises(Refused, match="needs a comment") as refused:
        decide("REJECT", GRO_JAL, Complaint("PENDINGFORASSIGNMENT"), NOW, comment="  ")
    assert refused.value.reason == "comment_required"
    assert decide("COMMENT", CITIZEN_1, Complaint("PENDINGATLME"), NOW, with_photo=True) is None
    with pytest.raises(Refused) as refused:
        decide("RATE", CITIZEN_1, Complaint("RESOLVED"), NOW, rating=6)
    assert refused.value.reason == "rating"


def test_the_actions_offered_are_those_the_workflow_allows_this_actor_on_this_complaint():
    waiting = Complaint("PENDINGFORASSIGNMENT")
    at_asha = Complaint("PENDINGATLME", assigned_to="lme.jalandhar")
    assert allowed_actions(GRO_JAL, waiting, NOW) == ("ASSIGN", "REJECT", "COMMENT", "MERGE")
    assert allowed_actions(GRO_AMRITSAR, waiting, NOW) == ()
    assert allowed_actions(LME_JAL, at_asha, NOW) == ("RESOLVE", "REASSIGN", "COMMENT")
    assert allowed_actions(OTHER_LME, at_asha, NOW) == ()  # not theirs to touch
    assert allowed_actions(ADMINISTRATOR, at_asha, NOW) == ("RESOLVE", "REASSIGN", "COMMENT")
    assert allowed_actions(CITIZEN_1, Complaint("RESOLVED"), NOW) == ("REOPEN", "RATE")
    late = Complaint("RESOLVED", status_changed_at=NOW - timedelta(days=11))
    assert allowed_actions(CITIZEN_1, late, NOW) == ("RATE",)


def test_each_action_changes_the_fields_it_should():
    assert effects("APPLY", "PENDINGFORASSIGNMENT", NOW, SLA) == {
        "updated_at": NOW,
        "status": "PENDINGFORASSIGNMENT",
        "status_changed_at": NOW,
        "stage_due_at": None,
        "due_at": NOW + SLA,
    }
    assigned = effects("ASSIGN", "PENDINGATLME", NOW, SLA, assignee="lme.jalandhar")
    assert assigned["assigned_to"] == "lme.jalandhar" and assigned["stage_due_at"] == NOW + LME_SLA
    assert "due_at" not in assigned
    assert effects("REASSIGN", "PENDINGFORREASSIGNMENT", NOW, SLA)["assigned_to"] is None
    reopened = effects("REOPEN", "PENDINGFORASSIGNMENT", NOW, SLA)
    assert (reopened["assigned_to"], reopened["due_at"]) == (None, NOW + SLA)
    assert effects("RATE", "CLOSEDAFTERRESOLUTION", NOW, SLA, rating=4)["rating"] == 4
    assert effects("COMMENT", None, NOW, SLA) == {"updated_at": NOW}


def test_an_administrator_of_some_cities_sees_those_only_and_the_command_line_sees_all():
    regional = Actor(ADMIN, "meera", "pb.jalandhar", frozenset({"pb.amritsar"}))
    assert regional.may_see("pb.jalandhar") and regional.may_see("pb.amritsar")
    assert not regional.may_see("pb.ludhiana")
    assert refusal("ASSIGN", regional, Complaint("PENDINGFORASSIGNMENT", tenant_id="pb.ludhiana"), NOW).reason == "city"
    assert ADMINISTRATOR.may_see("pb.ludhiana")


def test_a_field_employee_sees_only_the_complaints_assigned_to_them():
    at_them = Complaint("PENDINGATLME", assigned_to=LME_JAL.name)
    assert may_view(LME_JAL, at_them) and not may_view(OTHER_LME, at_them)
    assert not may_view(LME_JAL, Complaint("PENDINGFORASSIGNMENT"))
    assert may_view(GRO_JAL, at_them) and not may_view(GRO_AMRITSAR, at_them)


def test_only_seva_escalates_and_only_an_open_complaint():
    assert decide("ESCALATE", Actor.system(), Complaint("PENDINGATLME", assigned_to="lme.jalandhar"), NOW) is None
    assert refusal("ESCALATE", GRO_JAL, Complaint("PENDINGFORASSIGNMENT"), NOW).reason == "role"
    assert refusal("ESCALATE", Actor.system(), Complaint("RESOLVED"), NOW).reason == "status"
    assert "ESCALATE" not in allowed_actions(GRO_JAL, Complaint("PENDINGFORASSIGNMENT"), NOW)
