"""The PGR workflow, in one place: which action moves a complaint from which status, who may take it (role, city,
assignment), what it needs (a comment, a rating), and what it changes on the complaint.

Filing (APPLY) is a transition like the others. Everything that changes or offers to change a complaint (the staff
API and console, the admin command line, the citizen's follow-ups in chat) asks this module; none restates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, FrozenSet, Mapping, Optional, Protocol, Tuple

CITIZEN, GRO, LME, ADMIN = "CITIZEN", "GRO", "LME", "ADMIN"
# Improves Seva from its conversations (the review inbox); sees no complaint.
TRAINER = "TRAINER"
# Seva itself, when it escalates an overdue complaint.
SYSTEM = "SYSTEM"
STAFF_ROLES = (GRO, LME, ADMIN, TRAINER)
# Who works on complaints (the queue, the dashboard, the staff API), and who reviews conversations.
COMPLAINT_ROLES = frozenset({GRO, LME, ADMIN})
REVIEW_ROLES = frozenset({TRAINER, ADMIN})

PENDINGFORASSIGNMENT = "PENDINGFORASSIGNMENT"
PENDINGFORREASSIGNMENT = "PENDINGFORREASSIGNMENT"
PENDINGATLME = "PENDINGATLME"
RESOLVED = "RESOLVED"
REJECTED = "REJECTED"
CLOSEDAFTERRESOLUTION = "CLOSEDAFTERRESOLUTION"
CLOSEDAFTERREJECTION = "CLOSEDAFTERREJECTION"

FILED = PENDINGFORASSIGNMENT
OPEN_STATUSES = (PENDINGFORASSIGNMENT, PENDINGFORREASSIGNMENT, PENDINGATLME)
# A decision was made; the citizen may reopen (within the window) or rate.
DECIDED_STATUSES = (RESOLVED, REJECTED)
STATUSES = OPEN_STATUSES + DECIDED_STATUSES + (CLOSEDAFTERRESOLUTION, CLOSEDAFTERREJECTION)

REOPEN_WINDOW = timedelta(days=10)
# How long a complaint may wait at the field employee once assigned.
LME_SLA = timedelta(days=3)
RATINGS = range(1, 6)

APPLY, ASSIGN, REJECT, RESOLVE, REASSIGN, REOPEN, RATE, COMMENT, ESCALATE, MERGE = (
    "APPLY",
    "ASSIGN",
    "REJECT",
    "RESOLVE",
    "REASSIGN",
    "REOPEN",
    "RATE",
    "COMMENT",
    "ESCALATE",
    "MERGE",
)


@dataclass(frozen=True)
class Actor:
    """Who acts: a citizen (by sender id), a staff member of one city, an administrator of some cities, or the
    administrator at the command line (an ADMIN without cities), who may act in any."""

    role: str
    name: str
    tenant_id: Optional[str] = None
    # An administrator's cities beside their own.
    cities: FrozenSet[str] = frozenset()

    @property
    def label(self) -> str:
        kind = {CITIZEN: "citizen", ADMIN: "admin", SYSTEM: "seva"}.get(self.role, "staff")
        return f"{kind}:{self.name}"

    @classmethod
    def citizen(cls, sender_id: str) -> Actor:
        return cls(CITIZEN, sender_id)

    @classmethod
    def system(cls) -> Actor:
        return cls(SYSTEM, "escalation")

    def may_see(self, tenant_id: str) -> bool:
        """Whether complaints of this city are this actor's to see: a staff member's own city's, an
        administrator's cities', the command line's all. (A citizen sees their own complaints, whichever city.)"""
        if self.role == TRAINER:
            return False
        if self.role in (CITIZEN, SYSTEM) or (self.role == ADMIN and self.tenant_id is None):
            return True
        return tenant_id == self.tenant_id or tenant_id in self.cities


def may_view(actor: Actor, complaint: Subject) -> bool:
    """Whether the actor may see this complaint at all: of their cities, and for a field employee, assigned to
    them (they work on what they are given, not on the whole city's queue)."""
    if not actor.may_see(complaint.tenant_id):
        return False
    return actor.role != LME or complaint.assigned_to == actor.name


class Subject(Protocol):
    """What the workflow reads of a complaint (its view has it, as does the lifecycle's reading of a stored one)."""

    @property
    def status(self) -> str: ...

    @property
    def status_changed_at(self) -> datetime: ...

    @property
    def tenant_id(self) -> str: ...

    @property
    def assigned_to(self) -> Optional[str]: ...


@dataclass(frozen=True)
class Transition:
    action: str
    roles: FrozenSet[str]
    # from status -> to status; None as the target keeps the status (a comment); None as the source: not filed yet.
    moves: Mapping[Optional[str], Optional[str]]
    needs_comment: bool = False


TRANSITIONS: Mapping[str, Transition] = {
    t.action: t
    for t in (
        Transition(APPLY, frozenset({CITIZEN}), {None: FILED}),
        Transition(
            ASSIGN, frozenset({GRO, ADMIN}), {PENDINGFORASSIGNMENT: PENDINGATLME, PENDINGFORREASSIGNMENT: PENDINGATLME}
        ),
        Transition(
            REJECT,
            frozenset({GRO, ADMIN}),
            {PENDINGFORASSIGNMENT: REJECTED, PENDINGFORREASSIGNMENT: REJECTED},
            needs_comment=True,
        ),
        Transition(RESOLVE, frozenset({LME, ADMIN}), {PENDINGATLME: RESOLVED}),
        Transition(REASSIGN, frozenset({LME, ADMIN}), {PENDINGATLME: PENDINGFORREASSIGNMENT}, needs_comment=True),
        Transition(
            REOPEN,
            frozenset({CITIZEN}),
            {RESOLVED: PENDINGFORASSIGNMENT, REJECTED: PENDINGFORASSIGNMENT},
            needs_comment=True,
        ),
        Transition(RATE, frozenset({CITIZEN}), {RESOLVED: CLOSEDAFTERRESOLUTION, REJECTED: CLOSEDAFTERREJECTION}),
        Transition(
            COMMENT, frozenset({CITIZEN, GRO, LME, ADMIN}), {s: None for s in OPEN_STATUSES}, needs_comment=True
        ),
        # An overdue complaint goes up the ladder (seva.escalation); its status stays.
        Transition(ESCALATE, frozenset({SYSTEM}), {s: None for s in OPEN_STATUSES}),
        # A duplicate not yet routed closes into the complaint kept, which its citizens then follow.
        Transition(
            MERGE,
            frozenset({GRO, ADMIN}),
            {PENDINGFORASSIGNMENT: CLOSEDAFTERREJECTION, PENDINGFORREASSIGNMENT: CLOSEDAFTERREJECTION},
        ),
    )
}
STAFF_ACTIONS = (ASSIGN, REJECT, RESOLVE, REASSIGN, COMMENT, MERGE)


class Refused(Exception):
    """An action that is not allowed; `reason` is a stable code, the message says why in words."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


# Refusals about who asks, as opposed to the complaint's state or the request's content.
FORBIDDEN_REASONS = frozenset({"role", "city", "not_assigned_to_you"})
CONFLICT_REASONS = frozenset({"status", "reopen_window"})


def refusal(action: str, actor: Actor, complaint: Optional[Subject], now: datetime) -> Optional[Refused]:
    """Why the actor may not take the action on the complaint now (None for a complaint not filed yet), or None
    when they may: the action's role, the actor's city, the assignment, the status and the reopening window."""
    status = complaint.status if complaint is not None else None
    if complaint is not None and not actor.may_see(complaint.tenant_id):
        return Refused("city", "The complaint belongs to another city.")
    transition = TRANSITIONS.get(action)
    if transition is None:
        return Refused("unknown_action", f"There is no action {action!r}; actions are {', '.join(TRANSITIONS)}.")
    if actor.role not in transition.roles:
        return Refused("role", f"A {actor.role} may not {action} a complaint.")
    if complaint is not None and actor.role == LME and complaint.assigned_to != actor.name:
        # A field employee works on what is assigned to them, and on nothing else of the city.
        return Refused("not_assigned_to_you", "The complaint is not assigned to you.")
    if status not in transition.moves:
        return Refused("status", f"A complaint that is {status} cannot be given {action}.")
    if complaint is not None and action == REOPEN and now - complaint.status_changed_at > REOPEN_WINDOW:
        return Refused("reopen_window", f"A complaint can be reopened within {REOPEN_WINDOW.days} days only.")
    return None


def decide(
    action: str,
    actor: Actor,
    complaint: Optional[Subject],
    now: datetime,
    comment: Optional[str] = None,
    rating: Optional[int] = None,
    with_photo: bool = False,
) -> Optional[str]:
    """The status the action leads to (None: unchanged); raises Refused when it is not allowed."""
    refused = refusal(action, actor, complaint, now)
    if refused is not None:
        raise refused
    transition = TRANSITIONS[action]
    # A photo added to a complaint says enough on its own.
    if transition.needs_comment and not (comment or "").strip() and not (action == COMMENT and with_photo):
        raise Refused("comment_required", f"{action} needs a comment saying why.")
    if action == RATE and rating not in RATINGS:
        raise Refused("rating", "A rating is a whole number from 1 to 5.")
    return transition.moves[complaint.status if complaint is not None else None]


def allowed_actions(actor: Actor, complaint: Subject, now: datetime) -> Tuple[str, ...]:
    """The actions open to this actor on this complaint now, for staff screens, the API and the chat."""
    return tuple(a for a in TRANSITIONS if a != APPLY and refusal(a, actor, complaint, now) is None)


def effects(
    action: str,
    target: Optional[str],
    now: datetime,
    sla: timedelta,
    rating: Optional[int] = None,
    assignee: Optional[str] = None,
) -> Dict[str, Any]:
    """The fields of the complaint that the action (leading to `target`) sets, and their values."""
    changes: Dict[str, Any] = {"updated_at": now}
    if target is None:
        return changes
    changes.update(status=target, status_changed_at=now, stage_due_at=now + LME_SLA if target == PENDINGATLME else None)
    if action == ASSIGN:
        changes["assigned_to"] = assignee
    if action in (REASSIGN, REOPEN):
        changes["assigned_to"] = None
    if action in (APPLY, REOPEN):
        # Filed or reopened work gets the service's full time.
        changes["due_at"] = now + sla
    if action == RATE:
        changes["rating"] = rating
    return changes
