"""The PGR workflow, in one place: which action may move a complaint from which status, and who may take it.

Everything that changes a complaint (the staff API, the admin command line, the citizen in chat) asks
`check` first; nothing else decides what is allowed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import FrozenSet, Mapping, Optional

CITIZEN, GRO, LME, ADMIN = "CITIZEN", "GRO", "LME", "ADMIN"
STAFF_ROLES = (GRO, LME)

PENDINGFORASSIGNMENT = "PENDINGFORASSIGNMENT"
PENDINGFORREASSIGNMENT = "PENDINGFORREASSIGNMENT"
PENDINGATLME = "PENDINGATLME"
RESOLVED = "RESOLVED"
REJECTED = "REJECTED"
CLOSEDAFTERRESOLUTION = "CLOSEDAFTERRESOLUTION"
CLOSEDAFTERREJECTION = "CLOSEDAFTERREJECTION"

FILED = PENDINGFORASSIGNMENT
OPEN_STATUSES = (PENDINGFORASSIGNMENT, PENDINGFORREASSIGNMENT, PENDINGATLME)
STATUSES = OPEN_STATUSES + (RESOLVED, REJECTED, CLOSEDAFTERRESOLUTION, CLOSEDAFTERREJECTION)

REOPEN_WINDOW = timedelta(days=10)
# How long a complaint may wait at the field employee once assigned.
LME_SLA = timedelta(days=3)
RATINGS = range(1, 6)


@dataclass(frozen=True)
class Transition:
    action: str
    roles: FrozenSet[str]
    # from status -> to status; None as the target keeps the status (a comment).
    moves: Mapping[str, Optional[str]]
    needs_comment: bool = False


TRANSITIONS: Mapping[str, Transition] = {
    t.action: t
    for t in (
        Transition("ASSIGN", frozenset({GRO, ADMIN}),
                   {PENDINGFORASSIGNMENT: PENDINGATLME, PENDINGFORREASSIGNMENT: PENDINGATLME}),
        Transition("REJECT", frozenset({GRO, ADMIN}),
                   {PENDINGFORASSIGNMENT: REJECTED, PENDINGFORREASSIGNMENT: REJECTED}, needs_comment=True),
        Transition("RESOLVE", frozenset({LME, ADMIN}), {PENDINGATLME: RESOLVED}),
        Transition("REASSIGN", frozenset({LME, ADMIN}), {PENDINGATLME: PENDINGFORREASSIGNMENT}, needs_comment=True),
        Transition("REOPEN", frozenset({CITIZEN}), {RESOLVED: PENDINGFORASSIGNMENT, REJECTED: PENDINGFORASSIGNMENT},
                   needs_comment=True),
        Transition("RATE", frozenset({CITIZEN}),
                   {RESOLVED: CLOSEDAFTERRESOLUTION, REJECTED: CLOSEDAFTERREJECTION}),
        Transition("COMMENT", frozenset({CITIZEN, GRO, LME, ADMIN}), {s: None for s in OPEN_STATUSES},
                   needs_comment=True),
    )
}
STAFF_ACTIONS = ("ASSIGN", "REJECT", "RESOLVE", "REASSIGN", "COMMENT")


class Refused(Exception):
    """An action that is not allowed; `reason` is a stable code, the message says why in words."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


# Refusals about who asks, as opposed to the complaint's state or the request's content.
FORBIDDEN_REASONS = frozenset({"role", "city", "not_assigned_to_you"})
CONFLICT_REASONS = frozenset({"status", "reopen_window"})


def check(
    action: str,
    role: str,
    status: str,
    status_changed_at: datetime,
    now: datetime,
    comment: Optional[str] = None,
    rating: Optional[int] = None,
    with_photo: bool = False,
) -> Optional[str]:
    """The status the action leads to (None: unchanged); raises Refused when it is not allowed."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise Refused("unknown_action", f"There is no action {action!r}; actions are {', '.join(TRANSITIONS)}.")
    if role not in transition.roles:
        raise Refused("role", f"A {role} may not {action} a complaint.")
    if status not in transition.moves:
        raise Refused("status", f"A complaint that is {status} cannot be given {action}.")
    # A photo added to a complaint says enough on its own.
    if transition.needs_comment and not (comment or "").strip() and not (action == "COMMENT" and with_photo):
        raise Refused("comment_required", f"{action} needs a comment saying why.")
    if action == "REOPEN" and now - status_changed_at > REOPEN_WINDOW:
        raise Refused("reopen_window", f"A complaint can be reopened within {REOPEN_WINDOW.days} days only.")
    if action == "RATE" and rating not in RATINGS:
        raise Refused("rating", "A rating is a whole number from 1 to 5.")
    return transition.moves[status]


def allowed_actions(role: str, status: str) -> tuple:
    """The actions open to this role in this status, for staff screens and the API."""
    return tuple(a for a, t in TRANSITIONS.items() if role in t.roles and status in t.moves)
