"""Complaints as CSV rows, for the command line's export and the console's: the same columns everywhere."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from seva.complaints import ComplaintView
from seva.masking import number_for

EXPORT_COLUMNS = (
    "number",
    "status",
    "service_code",
    "category",
    "department",
    "city",
    "locality",
    "landmark",
    "description",
    "latitude",
    "longitude",
    "created_at",
    "due_at",
    "overdue",
    "assigned_to",
    "rating",
    "channel",
    "citizen",
    "last_action",
    "last_comment",
)
# Spreadsheets run a cell that starts like a formula; citizens' text must stay text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_row(c: ComplaintView, now: datetime, viewer: Optional[str] = None) -> tuple:
    """One complaint's row; the citizen's number masked unless the complaint is assigned to the viewer."""
    comments = [e.comment for e in c.history if e.comment]
    return (
        c.number,
        c.status,
        c.service_code,
        c.category,
        c.department,
        c.tenant_id,
        as_text(c.locality_name or c.locality_code),
        as_text(c.landmark),
        as_text(c.description),
        c.latitude,
        c.longitude,
        c.created_at.isoformat(),
        c.due_at.isoformat(),
        "yes" if c.overdue(now) else "no",
        c.assigned_to,
        c.rating,
        c.channel,
        number_for(viewer, c.assigned_to, c.citizen),
        c.history[-1].action if c.history else None,
        as_text(comments[-1] if comments else None),
    )


def as_text(value: Optional[str]) -> Optional[str]:
    return "'" + value if value and value.startswith(FORMULA_START) else value
