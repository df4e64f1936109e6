"""The values that fill the response templates of domain.yml, in the citizen's language.

Templates hold the wording; these functions only provide names from the catalogue, numbers and dates, so no
translated fragment is ever glued to another here. Dates are written as digits, which read the same in all
three languages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Optional

from rasa_sdk import Tracker

from actions import conversation as conv
from actions.conversation import SKIPPED
from seva.catalogue import load_catalogue
from seva.complaints import ComplaintView, Page
from seva.escalation import load_ladders
from seva.numbering import LOCAL_TZ

NOT_GIVEN = "—"


def local_time(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%d-%m-%Y %H:%M")


def local_date(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%d-%m-%Y")


def summary(tracker: Tracker) -> Dict[str, Any]:
    """The complaint being filed, for the citizen to check before it is filed."""
    catalogue = load_catalogue()
    language = conv.language(tracker)
    service = catalogue.services[tracker.get_slot("complaint_type")]
    photo = tracker.get_slot("photo")
    location = tracker.get_slot("location")
    return {
        "service_name": service.name(language),
        "category_name": catalogue.category_name(service.category, language),
        "city_name": catalogue.cities[tracker.get_slot("city")].name(language),
        "place": _place(tracker.get_slot("locality_code"), tracker.get_slot("locality"), language),
        "description": tracker.get_slot("description"),
        "photo_count": 0 if photo in (None, SKIPPED) else 1,
        "location": NOT_GIVEN if location in (None, SKIPPED) else location,
    }


def filed(view: ComplaintView, language: str) -> Dict[str, Any]:
    catalogue = load_catalogue()
    return {
        "number": view.number,
        "department": catalogue.label("departments", catalogue.services[view.service_code].department, language),
        "city_name": catalogue.cities[view.tenant_id].name(language),
        "due_date": local_date(view.due_at),
    }


def status(view: ComplaintView, language: str) -> Dict[str, Any]:
    catalogue = load_catalogue()
    history = "\n".join(
        f"  {local_time(entry.at)}: {catalogue.label('actions', entry.action, language)}"
        + (f" ({entry.comment})" if entry.comment else "")
        for entry in view.history
    )
    return {
        "number": view.number,
        "service_name": catalogue.services[view.service_code].name(language),
        "category_name": catalogue.category_name(view.category, language),
        "place": _place(view.locality_code, view.locality_name or view.landmark, language),
        "city_name": catalogue.cities[view.tenant_id].name(language),
        "filed_on": local_time(view.created_at),
        "status": catalogue.label("statuses", view.status, language),
        "expected": _expected(view),
        "history": history,
    }


def _expected(view: ComplaintView) -> str:
    expected = load_ladders().expected_by(view)
    return local_date(expected) if expected else NOT_GIVEN


def duplicate(view: ComplaintView, language: str) -> Dict[str, Any]:
    """The complaint already reported that the citizen is asked about ("Is it this one?")."""
    catalogue = load_catalogue()
    return {
        "number": view.number,
        "service_name": catalogue.services[view.service_code].name(language),
        "place": _place(view.locality_code, view.locality_name or view.landmark, language),
        "filed_on": local_date(view.created_at),
        "status": catalogue.label("statuses", view.status, language),
        "followers": view.followers + 1,
    }


def expected(view: ComplaintView) -> Dict[str, Any]:
    return {"expected": _expected(view)}


def listing(page: Page, language: str, page_size: int) -> Dict[str, Any]:
    catalogue = load_catalogue()
    lines = "\n".join(
        f"{page.page * page_size + i}. *{c.number}*: {catalogue.services[c.service_code].name(language)}, "
        f"{catalogue.label('statuses', c.status, language)} ({local_date(c.created_at)})"
        for i, c in enumerate(page.items, start=1)
    )
    first = page.page * page_size + 1
    return {"first": first, "last": first + len(page.items) - 1, "total": page.total, "lines": lines}


def _place(code: Optional[str], typed: Optional[str], language: str) -> str:
    locality = load_catalogue().locality(code) if code else None
    if locality:
        return locality.name(language)
    return typed or NOT_GIVEN
