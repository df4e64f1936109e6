"""Complaints and staff as the API shows them: JSON-ready dicts with ISO 8601 times in UTC."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from seva.catalogue import Catalogue
from seva.complaints import ComplaintView, Page
from seva.masking import actor_for, number_for
from seva.staff import StaffMember
from seva.workflow import STAFF_ACTIONS, allowed_actions

ENGLISH = "en"


def iso(moment: Optional[datetime]) -> Optional[str]:
    return moment.astimezone(timezone.utc).isoformat() if moment else None


def summary(view: ComplaintView, now: datetime) -> Dict[str, Any]:
    return {
        "number": view.number,
        "status": view.status,
        "service_code": view.service_code,
        "category": view.category,
        "city": view.tenant_id,
        "locality": {"code": view.locality_code, "name": view.locality_name}
        if view.locality_code or view.locality_name
        else None,
        "created_at": iso(view.created_at),
        "due_at": iso(view.due_at),
        "overdue": view.overdue(now),
        "assigned_to": view.assigned_to,
    }


def page(result: Page, now: datetime) -> Dict[str, Any]:
    return {
        "items": [summary(view, now) for view in result.items],
        # `Page` counts from 0, the API from 1.
        "page": result.page + 1,
        "page_size": result.page_size,
        "total": result.total,
        "has_more": result.has_more,
    }


def complaint(view: ComplaintView, caller: StaffMember, catalogue: Catalogue, now: datetime) -> Dict[str, Any]:
    return {
        **summary(view, now),
        "service_name": catalogue.services[view.service_code].name(ENGLISH),
        "status_name": catalogue.label("statuses", view.status, ENGLISH),
        "department": view.department,
        "description": view.description,
        "landmark": view.landmark,
        "location": {"latitude": view.latitude, "longitude": view.longitude}
        if view.latitude is not None and view.longitude is not None
        else None,
        "photos": [photo(view.number, i, uri) for i, uri in enumerate(view.photos)],
        # The citizen's number is masked unless the complaint is assigned to the caller.
        "citizen": {"id": number_for(caller.username, view.assigned_to, view.citizen), "channel": view.channel},
        "updated_at": iso(view.updated_at),
        "stage_due_at": iso(view.stage_due_at),
        "rating": view.rating,
        "escalation_level": view.escalation_level,
        "followers": view.followers,
        "merged_into": view.merged_into,
        "history": history(view, caller.username),
        "allowed_actions": actions_for(caller, view, now),
    }


def photo(number: str, index: int, uri: str, base: str = "/complaints") -> Dict[str, str]:
    """A photo Seva keeps, by its address under `base` (the API's, or the console's); a link the citizen sent, as
    text (never followed here)."""
    if uri.startswith(("http://", "https://")):
        return {"link": uri}
    return {"url": f"{base}/{number}/photos/{index}"}


def history(view: ComplaintView, viewer: Optional[str]) -> List[Dict[str, Any]]:
    entries = []
    for entry in view.history:
        item: Dict[str, Any] = {"at": iso(entry.at), "action": entry.action}
        if entry.from_status is not None:
            item["from_status"] = entry.from_status
        actor = actor_for(viewer, view.assigned_to, view.citizen, entry.actor)
        item.update(status=entry.status, actor=actor, role=entry.role, comment=entry.comment)
        if entry.template is not None:
            item["template"] = entry.template
        if entry.level is not None:
            item["level"] = entry.level
        entries.append(item)
    return entries


def actions_for(caller: StaffMember, view: ComplaintView, now: datetime) -> List[str]:
    """What the caller may do now, as the workflow judges it."""
    return [a for a in allowed_actions(caller.actor, view, now) if a in STAFF_ACTIONS]


def me(member: StaffMember) -> Dict[str, Any]:
    return {"username": member.username, "name": member.name, "role": member.role, "city": member.tenant_id}


def staff_member(member: StaffMember) -> Dict[str, Any]:
    return {"username": member.username, "name": member.name, "role": member.role, "active": member.active}
