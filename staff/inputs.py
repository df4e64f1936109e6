"""What staff send, checked before anything is looked up: the filters of a complaint list and an action's body."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Dict, List, Optional

from seva.catalogue import Catalogue
from seva.complaints import Query
from seva.numbering import canonical_number
from seva.staff import USERNAME, StaffMember
from seva.workflow import LME, STAFF_ACTIONS, STATUSES
from staff.errors import ApiError

MAX_PAGE_SIZE = 100
# Far beyond any city's complaints, and small enough that the offset stays a number the database takes.
MAX_PAGE = 1_000_000
DEFAULT_PAGE_SIZE = 20
LIST_PARAMETERS = ("city", "status", "category", "overdue", "assigned_to", "page", "page_size")
ACTION_FIELDS = ("action", "comment", "assignee", "into")


def _invalid(parameter: str, message: str) -> ApiError:
    return ApiError(400, "invalid_parameter", message, parameter=parameter)


def complaint_query(args: Dict[str, List[str]], member: StaffMember, catalogue: Catalogue) -> Query:
    """The filters of `GET /complaints`; pages are numbered from 1 in the API, from 0 in `Query`."""
    for name, values in args.items():
        if name not in LIST_PARAMETERS:
            raise _invalid(name, f"{name} is not a parameter; they are {', '.join(LIST_PARAMETERS)}.")
        if len(values) > 1:
            raise _invalid(name, f"{name} is given more than once.")
    given = {name: values[0] for name, values in args.items()}
    city = given.get("city", member.tenant_id)
    if city not in catalogue.cities:
        raise _invalid("city", f"city {city!r} is not a city of the catalogue, like pb.amritsar.")
    if not member.actor.may_see(city):
        raise ApiError(403, "city", f"You work for {member.tenant_id}; {city} is another city's.")
    status = given.get("status")
    if status is not None and status not in STATUSES:
        raise _invalid("status", f"status is one of {', '.join(STATUSES)}.")
    category = given.get("category")
    if category is not None and category not in catalogue.categories:
        raise _invalid("category", f"category is one of {', '.join(catalogue.categories)}.")
    overdue = given.get("overdue")
    if overdue not in (None, "true", "false"):
        raise _invalid("overdue", "overdue is true or false.")
    assigned_to = given.get("assigned_to")
    if member.role == LME:
        # A field employee's list is their own work.
        assigned_to = member.username
    elif assigned_to == "me":
        assigned_to = member.username
    elif assigned_to is not None and not USERNAME.match(assigned_to):
        raise _invalid("assigned_to", "assigned_to is me or a staff username.")
    page = _whole_number(given, "page", 1, MAX_PAGE)
    page_size = _whole_number(given, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    return Query(
        tenant_id=city,
        status=status,
        category=category,
        overdue=None if overdue is None else overdue == "true",
        assigned_to=assigned_to,
        page=page - 1,
        page_size=page_size,
    )


def _whole_number(given: Dict[str, str], name: str, default: int, highest: int) -> int:
    text = given.get(name)
    if text is None:
        return default
    value = int(text) if text.isascii() and text.isdigit() else None
    if value is None or not 1 <= value <= highest:
        raise _invalid(name, f"{name} is a whole number from 1 to {highest}.")
    return value


@dataclass(frozen=True)
class ActionRequest:
    action: str
    comment: Optional[str]
    assignee: Optional[str]
    # MERGE: the complaint kept.
    into: Optional[str] = None


def action_request(body: bytes) -> ActionRequest:
    """The body of `POST /complaints/{number}/actions`: unreadable is 400, readable but wrong is 422."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # also a body that is not UTF-8, or nested beyond reason
        raise ApiError(400, "invalid_json", "The body is not JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", 'The body is a JSON object, like {"action": "COMMENT", ...}.')
    unknown = sorted(set(data) - set(ACTION_FIELDS))
    if unknown:
        raise ApiError(422, "unknown_field", f"{', '.join(unknown)}: not a field; they are {', '.join(ACTION_FIELDS)}.")
    if data.get("action") not in STAFF_ACTIONS:
        raise ApiError(422, "unknown_action", f"action is one of {', '.join(STAFF_ACTIONS)}.")
    for name in ("comment", "assignee", "into"):
        if not isinstance(data.get(name), (str, type(None))):
            raise ApiError(422, "invalid_field", f"{name} is a string.")
    assignee = data.get("assignee")
    if assignee is not None and not USERNAME.match(assignee):
        raise ApiError(422, "invalid_field", "assignee is a staff username.")
    into = data.get("into")
    if into is not None and canonical_number(into) is None:
        raise ApiError(422, "invalid_field", "into is a complaint number, like PB-PGR-2026-11-03-000001.")
    return ActionRequest(data["action"], data.get("comment"), data.get("assignee"), into)
