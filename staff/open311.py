"""A read-only Open311 GeoReport v2 API (http://wiki.open311.org/GeoReport_v2) under /open311/v2/ on the staff
API's port, for city dashboards and civic-tech tools: `services.json`, `requests.json` and `requests/{id}.json`.

Public, so no token, and public fields only: never the citizen's id or phone number, a staff member's name, a staff
comment or a photo; phone numbers in what the citizen wrote are masked. JSON only. Every error is the spec's list of
`{"code", "description"}`. A jurisdiction is a city's tenant id (pb.jalandhar); without one, all cities.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from functools import wraps
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from sanic import Sanic, response
from sanic.log import error_logger
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from seva.catalogue import DEFAULT_LANGUAGE, LANGUAGES, Catalogue, Service
from seva.complaints import Complaints, ComplaintView, Query
from seva.numbering import LOCAL_TZ, NUMBER_PATTERN
from seva.storage import utcnow
from seva.workflow import OPEN_STATUSES, STATUSES

PREFIX = "/open311/v2"
# The spec's defaults for GET requests: the last 90 days, at most 1000 requests.
SPAN = timedelta(days=90)
MAX_REQUESTS = 1000
STATUS_GROUPS: Mapping[str, Tuple[str, ...]] = {
    "open": OPEN_STATUSES,
    "closed": tuple(s for s in STATUSES if s not in OPEN_STATUSES),
}
# Seven digits or more, however spaced or dashed (98140 12345, +91-98140-12345), in any script: a phone number;
# but a complaint number the citizen quotes is public, and kept.
PHONE_OR_NUMBER = re.compile(rf"({NUMBER_PATTERN.pattern})|\+?\d(?:[ .-]?\d){{6,}}", re.IGNORECASE)
MASK = "•••"
# The spec's w3 format, its UTC offset required. A "+" left unescaped in a query string arrives as a space.
W3C_DATETIME = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(Z|[+ -]\d{2}:\d{2})")
JSON = "application/json; charset=utf-8"
# Readable from any web page: nothing here is private.
CORS = {"Access-Control-Allow-Origin": "*"}
PUBLIC = {**CORS, "Cache-Control": "public, max-age=60"}
READ_METHODS = ["GET", "HEAD"]
REFUSED_METHODS = ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
ROUTES = ("services.json", "requests.json", "requests/{service_request_id}.json")


class Open311Error(Exception):
    def __init__(self, code: int, description: str, headers: Optional[Dict[str, str]] = None):
        super().__init__(description)
        self.code, self.description, self.headers = code, description, headers or {}


def register(app: Sanic) -> None:
    """The Open311 routes, reading the app's catalogue and complaints; named `open311_` apart from the staff API's,
    which the OpenAPI document describes."""
    for handler, uri in (
        (services_list, "/services.json"),
        (requests_list, "/requests.json"),
        (one_request, "/requests/<name:str>"),
    ):
        app.add_route(handler, PREFIX + uri, methods=READ_METHODS, name=f"open311_{handler.__name__}")
        app.add_route(read_only, PREFIX + uri, methods=REFUSED_METHODS, name=f"open311_read_only_{handler.__name__}")
    # Anything else under /open311/ is answered in the spec's error format, not the staff API's.
    app.add_route(nowhere, "/open311/<rest:path>", methods=READ_METHODS + REFUSED_METHODS, name="open311_nowhere")


def open311(handler):
    """The handler's answer, or its error as the spec's list of errors."""

    @wraps(handler)
    async def answering(request: Request, **kwargs) -> HTTPResponse:
        try:
            return await handler(request, **kwargs)
        except Open311Error as error:
            return errors(error.code, error.description, error.headers)
        except SQLAlchemyError as error:
            error_logger.error("database unavailable for %s %s: %s", request.method, request.path, error)
            return errors(503, "The complaints database cannot be reached; try again.")
        except Exception:
            error_logger.exception("unexpected error in %s %s", request.method, request.path)
            return errors(500, "Something went wrong on our side.")

    return answering


def errors(code: int, description: str, headers: Optional[Dict[str, str]] = None) -> HTTPResponse:
    return response.json(
        [{"code": code, "description": description}],
        status=code,
        headers={**CORS, **(headers or {})},
        content_type=JSON,
    )


def answer(body: List[Dict[str, Any]]) -> HTTPResponse:
    return response.json(body, headers=PUBLIC, content_type=JSON)


# Routes


@open311
async def services_list(request: Request) -> HTTPResponse:
    catalogue: Catalogue = request.app.ctx.catalogue
    args = parameters(request)
    jurisdiction(args, catalogue)
    language = locale(args)
    return answer([service(s, catalogue, language) for s in catalogue.services.values()])


@open311
async def requests_list(request: Request) -> HTTPResponse:
    args, catalogue, complaints = parameters(request), request.app.ctx.catalogue, request.app.ctx.complaints
    city, language = jurisdiction(args, catalogue), locale(args)
    numbers = request_ids(args)
    if numbers:
        # The spec: asking for ids overrides every other filter.
        views = await asyncio.to_thread(by_numbers, complaints, numbers, city)
    else:
        codes = service_codes(args, catalogue)
        query = Query(tenant_id=city, statuses=statuses(args))
        start, end = window(args, utcnow())
        views = await asyncio.to_thread(filed_between, complaints, query, codes, start, end)
    return answer([service_request(view, catalogue, language) for view in views])


@open311
async def one_request(request: Request, name: str) -> HTTPResponse:
    number, extension = split_extension(name)
    catalogue = request.app.ctx.catalogue
    args = parameters(request)
    city, language = jurisdiction(args, catalogue), locale(args)
    if extension != "json":
        raise not_found(request.path)
    view = None
    if NUMBER_PATTERN.fullmatch(number):
        view = await asyncio.to_thread(request.app.ctx.complaints.get, number)
    if view is None or (city is not None and view.tenant_id != city):
        raise Open311Error(404, f"There is no service request {number}{f' in {city}' if city else ''}.")
    return answer([service_request(view, catalogue, language)])


@open311
async def read_only(request: Request, **_) -> HTTPResponse:
    raise Open311Error(
        405,
        "This Open311 API is read-only: it answers GET (and HEAD); complaints are filed on WhatsApp.",
        headers={"Allow": ", ".join(READ_METHODS)},
    )


@open311
async def nowhere(request: Request, rest: str) -> HTTPResponse:
    raise not_found(request.path)


def not_found(path: str) -> Open311Error:
    served = ", ".join(f"{PREFIX}/{route}" for route in ROUTES)
    if split_extension(path)[1] == "xml":
        return Open311Error(404, f"This Open311 API answers JSON only: {served}.")
    return Open311Error(404, f"There is nothing at {path}; this Open311 API serves {served}.")


def split_extension(name: str) -> Tuple[str, str]:
    stem, dot, extension = name.rpartition(".")
    return (stem, extension.lower()) if dot else (name, "")


# Reading


def by_numbers(complaints: Complaints, numbers: Sequence[str], city: Optional[str]) -> List[ComplaintView]:
    """The complaints of these numbers (of the city, if one is asked for), in the order asked."""
    found = {
        view.number: view for view in complaints.newest(Query(tenant_id=city, numbers=tuple(numbers)), len(numbers))
    }
    return [found[number] for number in numbers if number in found]


def filed_between(
    complaints: Complaints, query: Query, codes: Sequence[str], start: datetime, end: datetime
) -> List[ComplaintView]:
    """The newest MAX_REQUESTS complaints of the query filed from start to end (both included), of these services
    (any if none)."""
    return complaints.newest(replace(query, service_codes=tuple(codes), filed_from=start, filed_to=end), MAX_REQUESTS)


# What the client asks


def parameters(request: Request) -> Dict[str, List[str]]:
    """Every value of each parameter (`request.args.get` gives the first); the empty ones are dropped, as the spec
    treats an empty parameter as one not given."""
    return {name: request.args.getlist(name) for name in request.args}


def one_value(args: Mapping[str, List[str]], name: str) -> Optional[str]:
    values = args.get(name) or []
    if len(values) > 1:
        raise Open311Error(400, f"{name} is given more than once.")
    return values[0].strip() if values else None


def listed(args: Mapping[str, List[str]], name: str) -> List[str]:
    """A parameter the spec lets a client repeat or give comma-separated, each value once, in the order given."""
    return list(
        dict.fromkeys(part.strip() for value in args.get(name) or [] for part in value.split(",") if part.strip())
    )


def jurisdiction(args: Mapping[str, List[str]], catalogue: Catalogue) -> Optional[str]:
    city = one_value(args, "jurisdiction_id")
    if city is not None and city.lower() not in catalogue.cities:
        # The spec's answer to an unknown jurisdiction_id is 404.
        raise Open311Error(404, f"jurisdiction_id {city!r} is not a city of Seva; it is a tenant id like pb.jalandhar.")
    return city.lower() if city else None


def locale(args: Mapping[str, List[str]]) -> str:
    language = (one_value(args, "locale") or DEFAULT_LANGUAGE).lower()
    if language not in LANGUAGES:
        raise Open311Error(400, f"locale is one of {', '.join(LANGUAGES)} (English, Hindi, Punjabi).")
    return language


def request_ids(args: Mapping[str, List[str]]) -> List[str]:
    numbers = listed(args, "service_request_id")
    if len(numbers) > MAX_REQUESTS:
        raise Open311Error(400, f"service_request_id lists {len(numbers)} ids; at most {MAX_REQUESTS} are answered.")
    for number in numbers:
        if not NUMBER_PATTERN.fullmatch(number):
            raise Open311Error(
                400, f"service_request_id {number!r} is not a complaint number like PB-PGR-2024-01-15-000001."
            )
    return [number.upper() for number in numbers]


def service_codes(args: Mapping[str, List[str]], catalogue: Catalogue) -> List[str]:
    codes = listed(args, "service_code")
    for code in codes:
        if code not in catalogue.services:
            raise Open311Error(400, f"service_code {code!r} is not a service of Seva; services.json lists them.")
    return codes


def statuses(args: Mapping[str, List[str]]) -> Tuple[str, ...]:
    """Seva's statuses of the Open311 statuses asked for; none: any."""
    groups = [group.lower() for group in listed(args, "status")]
    for group in groups:
        if group not in STATUS_GROUPS:
            raise Open311Error(400, f"status {group!r} is open or closed.")
    return tuple(status for group in dict.fromkeys(groups) for status in STATUS_GROUPS[group])


def window(args: Mapping[str, List[str]], now: datetime) -> Tuple[datetime, datetime]:
    """The filing times asked for: at most the spec's 90 days, the last 90 days when neither end is given."""
    asked_start, asked_end = moment(args, "start_date"), moment(args, "end_date")
    start = asked_start or (asked_end or now) - SPAN
    end = asked_end or start + SPAN
    if start > end:
        raise Open311Error(400, "start_date is after end_date.")
    if end - start > SPAN:
        raise Open311Error(400, "start_date and end_date are more than 90 days apart; ask for 90 days at a time.")
    return start, end


def moment(args: Mapping[str, List[str]], name: str) -> Optional[datetime]:
    text = one_value(args, name)
    if text is None:
        return None
    match = W3C_DATETIME.fullmatch(text)
    if match:
        local, offset = match.groups()
        offset = "+00:00" if offset == "Z" else offset.replace(" ", "+")
        try:
            return datetime.fromisoformat(local + offset).astimezone(timezone.utc)
        except ValueError:
            pass  # a day or an hour that does not exist, as in 2024-02-30
    raise Open311Error(
        400, f"{name} {text!r} is not a w3 datetime with its UTC offset, like 2024-01-15T00:00:00+05:30."
    )


# What the client gets


def service(s: Service, catalogue: Catalogue, language: str) -> Dict[str, Any]:
    days, hours = divmod(s.sla_hours, 24)
    within = f"{s.sla_hours} hours" if hours else f"{days} days"
    department = catalogue.label("departments", s.department, DEFAULT_LANGUAGE)
    return {
        "service_code": s.code,
        "service_name": s.name(language),
        # In English whatever the locale: the catalogue has names in Hindi and Punjabi, not sentences.
        "description": f"Settled by the {department} department within {within}.",
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(dict.fromkeys(s.keywords)),
        "group": catalogue.category_name(s.category, language),
    }


def service_request(view: ComplaintView, catalogue: Catalogue, language: str) -> Dict[str, Any]:
    """The complaint's public fields: no citizen, no staff, no comments (status_notes is the status in words), no
    photos."""
    return {
        "service_request_id": view.number,
        "status": "open" if view.is_open else "closed",
        "status_notes": catalogue.label("statuses", view.status, language),
        "service_name": catalogue.services[view.service_code].name(language),
        "service_code": view.service_code,
        "description": masked(view.description),
        "agency_responsible": catalogue.label("departments", view.department, language),
        "service_notice": None,
        "requested_datetime": w3c(view.created_at),
        "updated_datetime": w3c(view.updated_at),
        "expected_datetime": w3c(view.due_at),
        "address": address(view, catalogue, language),
        "address_id": view.locality_code,
        "zipcode": None,
        # To about 100 m: the street, not the citizen's doorstep.
        "lat": round(view.latitude, 3) if view.latitude is not None else None,
        "long": round(view.longitude, 3) if view.longitude is not None else None,
        "media_url": None,
    }


def address(view: ComplaintView, catalogue: Catalogue, language: str) -> str:
    """Landmark, locality and town, the most specific first, as the spec asks."""
    locality = catalogue.locality(view.locality_code) if view.locality_code else None
    place = locality.name(language) if locality else view.locality_name
    parts = [view.landmark, place, catalogue.cities[view.tenant_id].name(language)]
    # The landmark and a place the citizen typed are their words, and may hold a phone number too.
    return ", ".join(masked(part) for part in parts if part)


def masked(text: str) -> str:
    return PHONE_OR_NUMBER.sub(lambda match: match.group(1) or MASK, text)


def w3c(at: datetime) -> str:
    return at.astimezone(LOCAL_TZ).isoformat(timespec="seconds")
