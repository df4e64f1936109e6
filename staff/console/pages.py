"""The console's pages: sign-in, the queue, a complaint with its actions, the dashboard, and CSV export.

A thin adapter: every decision (who may see and do what) is the workflow's, every figure the domain's; these
handlers read the request, ask the domain in a thread (its calls block), and render a template."""

from __future__ import annotations

import asyncio
import csv
import io
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, List, Optional
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic, response
from sanic.log import error_logger
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from seva.bootstrap import Services
from seva.catalogue import LANGUAGES
from seva.citizens import START, STOP
from seva.complaints import ComplaintView, Query
from seva.lifecycle import NotFound, Photo
from seva.masking import actor_for, number_for
from seva.media import File, NotAPhoto, SavedMedia, forget_image, keep_image
from seva.numbering import LOCAL_TZ, NUMBER_PATTERN
from seva.staff import SignInRefused, StaffMember
from seva.storage import utcnow
from seva.workflow import (
    ASSIGN,
    CLOSEDAFTERREJECTION,
    CLOSEDAFTERRESOLUTION,
    COMPLAINT_ROLES,
    CONFLICT_REASONS,
    FORBIDDEN_REASONS,
    LME,
    PENDINGATLME,
    PENDINGFORASSIGNMENT,
    PENDINGFORREASSIGNMENT,
    REJECTED,
    RESOLVED,
    REVIEW_ROLES,
    STAFF_ACTIONS,
    Refused,
    may_view,
)
from staff import serialise
from staff.console import auth
from staff.console.texts import load_texts
from staff.export import EXPORT_COLUMNS, export_row
from staff.photos import photo_at, served

HERE = Path(__file__).resolve().parent
PAGE_SIZE = 25
DASHBOARD_LOCALITIES = 25
# Each tab of the queue and the statuses it shows; "overdue" is open and late, "escalated" open and gone up its
# escalation ladder, whatever the status.
TABS: Dict[str, tuple] = {
    "unassigned": (PENDINGFORASSIGNMENT, PENDINGFORREASSIGNMENT),
    "at_field": (PENDINGATLME,),
    "overdue": (PENDINGFORASSIGNMENT, PENDINGFORREASSIGNMENT, PENDINGATLME),
    "escalated": (PENDINGFORASSIGNMENT, PENDINGFORREASSIGNMENT, PENDINGATLME),
    "resolved": (RESOLVED, CLOSEDAFTERRESOLUTION),
    "rejected": (REJECTED, CLOSEDAFTERREJECTION),
    "all": (),
}
# Pages are never kept by a browser or proxy: they show citizens' complaints.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class ConsoleError(Exception):
    """A page that cannot be shown: rendered as the console's error page in the member's language."""

    def __init__(self, status: int, text_key: str):
        super().__init__(text_key)
        self.status = status
        self.text_key = text_key


def register(app: Sanic, services: Services) -> None:
    app.ctx.statistics = services.statistics
    app.ctx.responses = services.responses
    app.ctx.ladders = services.escalation.ladders
    app.ctx.console_https = services.settings.console_https
    app.ctx.citizens = services.citizens
    app.ctx.handovers = services.handovers
    app.ctx.pages = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    app.ctx.pages.filters["local"] = lambda moment: moment.astimezone(LOCAL_TZ).strftime("%d %b %Y, %H:%M")
    # Which pages a member's role reaches, as the workflow says: the menu shows those.
    app.ctx.pages.globals.update(COMPLAINT_ROLES=COMPLAINT_ROLES, REVIEW_ROLES=REVIEW_ROLES)
    app.static("/static", HERE / "static", name="console_static")
    for handler, uri, method in (
        (home, "/", "GET"),
        (sign_in_page, "/signin", "GET"),
        (sign_in, "/signin", "POST"),
        (sign_out, "/signout", "POST"),
        (queue, "/queue", "GET"),
        (queue_csv, "/queue.csv", "GET"),
        (complaint, "/complaint/<number:str>", "GET"),
        (complaint_photo, "/complaint/<number:str>/photos/<index:int>", "GET"),
        (act, "/complaint/<number:str>/act", "POST"),
        (dashboard, "/dashboard", "GET"),
        (dashboard_csv, "/dashboard.csv", "GET"),
        (language, "/language", "POST"),
    ):
        # Named apart from the API's routes: the console's pages are HTML, not part of the OpenAPI document.
        app.add_route(handler, uri, methods=[method], name=f"console_{method.lower()}_{handler.__name__}")


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTTPResponse:
    session = getattr(request.ctx, "session", None)
    lang = session.member.language if session else _language_asked(request)
    page = request.app.ctx.pages.get_template(template).render(
        t=load_texts().of(lang),
        lang=lang,
        languages=LANGUAGES,
        me=session.member if session else None,
        csrf=session.csrf_token if session else values.pop("csrf", ""),
        catalogue=request.app.ctx.catalogue,
        request_path=request.path + (f"?{request.query_string}" if request.query_string else ""),
        **values,
    )
    return response.html(page, status=status, headers=PAGE_HEADERS)


def error_page(request: Request, status: int, text_key: str) -> HTTPResponse:
    return render(request, "error.html", status=status, message_key=text_key)


def _language_asked(request: Request) -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    accept = request.headers.get("accept-language", "")
    for part in accept.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


@auth.signed_in
async def home(request: Request) -> HTTPResponse:
    """Each member's own start: the queue, or for a trainer the review inbox."""
    return response.redirect(auth.home_of(request.ctx.session.member.role), status=303)


# Signing in and out.


async def sign_in_page(request: Request, problem: Optional[str] = None, status: int = 200) -> HTTPResponse:
    request.ctx.console = True
    token = auth.new_sign_in_token()
    page = render(
        request,
        "signin.html",
        status=status,
        csrf=token,
        problem=problem,
        next=auth.safe_next(request.args.get("next")),
    )
    auth.set_cookie(request, page, auth.SIGN_IN_COOKIE, token, max_age=3600, strict=True)
    return page


async def sign_in(request: Request) -> HTTPResponse:
    request.ctx.console = True
    form = request.form or {}
    if not auth.same(form.get(auth.CSRF_FIELD), request.cookies.get(auth.SIGN_IN_COOKIE)):
        return await sign_in_page(request, "csrf", status=403)
    username, password = (form.get("username") or "")[:100], (form.get("password") or "")[:200]
    try:
        token, _ = await asyncio.to_thread(request.app.ctx.staff.sign_in, username, password)
    except SignInRefused as refused:
        return await sign_in_page(request, refused.reason, status=429 if refused.reason == "locked" else 401)
    page = response.redirect(auth.safe_next(form.get("next")), status=303)
    policy = request.app.ctx.staff.sessions
    auth.set_cookie(
        request, page, auth.SESSION_COOKIE, token, max_age=int(policy.longest.total_seconds()), strict=False
    )
    auth.drop_cookie(request, page, auth.SIGN_IN_COOKIE)
    return page


@auth.signed_in
async def sign_out(request: Request) -> HTTPResponse:
    await asyncio.to_thread(request.app.ctx.staff.sign_out, request.cookies.get(auth.SESSION_COOKIE))
    page = response.redirect("/signin", status=303)
    auth.drop_cookie(request, page, auth.SESSION_COOKIE)
    return page


@auth.signed_in
async def language(request: Request) -> HTTPResponse:
    chosen = (request.form or {}).get("language")
    if chosen not in LANGUAGES:
        raise ConsoleError(422, "error_invalid")
    await asyncio.to_thread(request.app.ctx.staff.set_language, request.ctx.session.member.username, chosen)
    return response.redirect(auth.safe_next((request.form or {}).get("next")), status=303)


# The queue.


@dataclass(frozen=True)
class Filters:
    """The queue's and dashboard's filters, checked against the catalogue and what the member may see."""

    tab: str
    city: Optional[str]
    category: Optional[str]
    locality: Optional[str]
    overdue: bool
    mine: bool
    page: int

    def query(self, member: StaffMember) -> Query:
        assigned_to = member.username if self.mine or member.role == LME else None
        return Query(
            tenant_id=self.city,
            tenant_ids=member.all_cities,
            statuses=TABS[self.tab],
            category=self.category,
            locality_code=self.locality,
            overdue=True if self.overdue or self.tab == "overdue" else None,
            escalated=self.tab == "escalated",
            assigned_to=assigned_to,
            page=self.page - 1,
            page_size=PAGE_SIZE,
        )

    def link(self, **changes: Any) -> str:
        values = {
            "tab": self.tab,
            "city": self.city,
            "category": self.category,
            "locality": self.locality,
            "overdue": "1" if self.overdue else None,
            "mine": "1" if self.mine else None,
            "page": self.page,
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v and not (k == "page" and v == 1)})


def filters_of(request: Request, member: StaffMember) -> Filters:
    catalogue = request.app.ctx.catalogue
    args = request.args
    # What waits for this member's hand: routing for an officer, the work itself for a field employee.
    default = "at_field" if member.role == LME else "unassigned"
    tab = args.get("tab") or default
    if tab not in TABS:
        tab = default
    city = args.get("city") or None
    if city is not None and (city not in catalogue.cities or not member.actor.may_see(city)):
        # Another city's complaints are not this member's: shown as if the city had none to show.
        raise ConsoleError(404, "error_not_found")
    category = args.get("category") or None
    if category is not None and category not in catalogue.categories:
        category = None
    locality = args.get("locality") or None
    cities = (city,) if city else member.all_cities
    if locality is not None and not any(loc.code == locality for c in cities for loc in catalogue.localities_of(c)):
        locality = None
    page_text = args.get("page") or "1"
    page = int(page_text) if page_text.isascii() and page_text.isdigit() and 0 < len(page_text) < 7 else 1
    return Filters(tab, city, category, locality, args.get("overdue") == "1", args.get("mine") == "1", max(page, 1))


@auth.works_on_complaints
async def queue(request: Request) -> HTTPResponse:
    member = request.ctx.session.member
    filters = filters_of(request, member)
    query = filters.query(member)
    now = utcnow()
    complaints = request.app.ctx.complaints
    result, counts = await asyncio.gather(
        asyncio.to_thread(complaints.search, query, now), asyncio.to_thread(complaints.counts, query, now)
    )
    late = ("overdue", "escalated")
    by_status = {k: v for k, v in counts.items() if k not in late}
    tab_counts = {
        tab: counts[tab] if tab in late else sum(by_status.get(s, 0) for s in statuses or by_status)
        for tab, statuses in TABS.items()
    }
    return render(
        request,
        "queue.html",
        filters=filters,
        result=result,
        pages=max(1, math.ceil(result.total / PAGE_SIZE)),
        tab_counts=tab_counts,
        tabs=list(TABS),
        localities=_localities(request, filters, member),
        now=now,
    )


@auth.works_on_complaints
async def queue_csv(request: Request) -> HTTPResponse:
    member = request.ctx.session.member
    query = filters_of(request, member).query(member)
    now = utcnow()

    def written() -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        for view in request.app.ctx.complaints.export(query, now):
            writer.writerow(export_row(view, now, member.username))
        return out.getvalue()

    return _csv(await asyncio.to_thread(written), "complaints")


def _csv(text: str, name: str) -> HTTPResponse:
    stamp = utcnow().astimezone(LOCAL_TZ).strftime("%Y%m%d-%H%M")
    return response.raw(
        # A byte order mark, so that spreadsheets read Hindi and Punjabi as UTF-8.
        ("\ufeff" + text).encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="seva-{name}-{stamp}.csv"', "Cache-Control": "no-store"},
    )


def _localities(request: Request, filters: Filters, member: StaffMember) -> List[Any]:
    catalogue = request.app.ctx.catalogue
    cities = (filters.city,) if filters.city else member.all_cities
    return sorted(
        (loc for c in cities for loc in catalogue.localities_of(c)), key=lambda loc: loc.name(member.language)
    )


# A complaint.


async def _complaint_for(request: Request, number: str) -> ComplaintView:
    """The complaint, if this member may see it; any other is "not found", whether or not it exists."""
    member = request.ctx.session.member
    if not NUMBER_PATTERN.fullmatch(number):
        raise ConsoleError(404, "error_not_found")
    view = await asyncio.to_thread(request.app.ctx.complaints.get, number)
    if view is None or not may_view(member.actor, view):
        raise ConsoleError(404, "error_not_found")
    return view


@auth.works_on_complaints
async def complaint(request: Request, number: str) -> HTTPResponse:
    view = await _complaint_for(request, number)
    return await _complaint_page(request, view)


async def _complaint_page(
    request: Request, view: ComplaintView, problem: Optional[str] = None, status: int = 200
) -> HTTPResponse:
    member = request.ctx.session.member
    now = utcnow()
    actions = serialise.actions_for(member, view, now)
    employees = []
    if ASSIGN in actions:
        employees = await asyncio.to_thread(request.app.ctx.staff.field_employees, view.tenant_id)
    responses = request.app.ctx.responses
    choices = await asyncio.to_thread(request.app.ctx.citizens.choices, view.citizen)
    return render(
        request,
        "complaint.html",
        # The citizen's number, whole only to the one the complaint is assigned to, and their stop and start.
        citizen=number_for(member.username, view.assigned_to, view.citizen),
        updates=[c for c in choices if c.choice in (STOP, START)],
        shown_actor=lambda actor: actor_for(member.username, view.assigned_to, view.citizen, actor),
        status=status,
        c=view,
        now=now,
        actions=actions,
        employees=employees,
        templates={a: responses.for_action(a) for a in actions},
        responses=responses,
        # A link the citizen sent is shown as text, never loaded into a staff member's browser.
        photos=[serialise.photo(view.number, i, uri, base="/complaint") for i, uri in enumerate(view.photos)],
        # Only the name of an action: a link cannot put words of its own on the page.
        done=request.args.get("done") if request.args.get("done") in STAFF_ACTIONS else None,
        problem=problem,
        locality=request.app.ctx.catalogue.locality(view.locality_code) if view.locality_code else None,
        escalated_to=request.app.ctx.ladders.level(view.tenant_id, view.category, view.escalation_level),
    )


@auth.works_on_complaints
async def complaint_photo(request: Request, number: str, index: int) -> HTTPResponse:
    view = await _complaint_for(request, number)
    photo = await photo_at(view, index, request.app.ctx.media)
    if not isinstance(photo, File):
        raise ConsoleError(404, "error_not_found")
    # A citizen's photo stays in no browser's cache after sign-out.
    return await served(photo, "no-store")


@auth.works_on_complaints
async def act(request: Request, number: str) -> HTTPResponse:
    view = await _complaint_for(request, number)
    member = request.ctx.session.member
    form = request.form or {}
    action = form.get("action")
    if action not in STAFF_ACTIONS:
        return await _complaint_page(request, view, "error_invalid", status=422)
    photo, saved = None, None
    upload = request.files.get("photo") if request.files else None
    if upload is not None and upload.body:
        try:
            saved = await asyncio.to_thread(keep_image, upload.body, request.app.ctx.media)
        except NotAPhoto:
            return await _complaint_page(request, view, "error_photo", status=422)
        photo = Photo(saved.uri, saved.mime_type, saved.sha256)
    try:
        await asyncio.to_thread(
            request.app.ctx.lifecycle.act,
            view.number,
            action,
            member.actor,
            comment=form.get("comment"),
            assignee=form.get("assignee") or None,
            template=form.get("template") or None,
            photo=photo,
            into=form.get("into") or None,
        )
    except (Refused, NotFound) as error:
        if saved is not None and saved.new:
            await asyncio.to_thread(_forget_unless_kept, request, saved)
        if isinstance(error, NotFound):
            raise ConsoleError(404, "error_not_found") from None
        return await _complaint_page(request, view, f"refused_{error.reason}", status=_status_of(error))
    return response.redirect(f"/complaint/{view.number}?done={action}", status=303)


def _forget_unless_kept(request: Request, saved: SavedMedia) -> None:
    """The photo of a refused action is not kept, unless another action kept the same photo meanwhile."""
    if not request.app.ctx.lifecycle.photo_in_use(saved.uri):
        forget_image(saved)


def _status_of(refused: Refused) -> int:
    """As the API answers it: who asks (403), the complaint's state (409), what was asked (422)."""
    if refused.reason in FORBIDDEN_REASONS:
        return 403
    return 409 if refused.reason in CONFLICT_REASONS else 422


# The dashboard.


@auth.works_on_complaints
async def dashboard(request: Request) -> HTTPResponse:
    member = request.ctx.session.member
    filters = replace(filters_of(request, member), tab="all")
    figures = await asyncio.to_thread(_figures, request, filters, member)
    busiest = max((w.filed for w in figures.weeks), default=0)
    return render(
        request,
        "dashboard.html",
        filters=filters,
        d=figures,
        # The busiest localities; the CSV has every one.
        localities_shown=figures.by_locality[:DASHBOARD_LOCALITIES],
        busiest=max(busiest, max((w.resolved for w in figures.weeks), default=0), 1),
        localities=_localities(request, filters, member),
    )


@auth.works_on_complaints
async def dashboard_csv(request: Request) -> HTTPResponse:
    member = request.ctx.session.member
    filters = filters_of(request, member)
    figures = await asyncio.to_thread(_figures, request, filters, member)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ("group", "name", "filed", "open", "overdue", "resolved", "median_days_to_resolve", "within_sla", "reopen_rate")
        + ("average_rating",)
    )
    for group, rows in (
        ("all", (figures.total,)),
        ("category", figures.by_category),
        ("locality", figures.by_locality),
    ):
        for f in rows:
            writer.writerow(
                (group, f.name, f.filed, f.open, f.overdue, f.resolved)
                + tuple(_rounded(v) for v in (f.median_days_to_resolve, f.within_sla, f.reopen_rate, f.average_rating))
            )
    return _csv(out.getvalue(), "dashboard")


def _figures(request: Request, filters: Filters, member: StaffMember):
    cities = (filters.city,) if filters.city else member.all_cities
    # A field employee's figures are of their own work, as their queue is.
    mine = member.username if member.role == LME else None
    return request.app.ctx.statistics.dashboard(cities, filters.category, filters.locality, assigned_to=mine)


def _rounded(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 3)


def error_response(request: Request, exception: Exception) -> Optional[HTTPResponse]:
    """The console's page for an error in one of its requests; None for the API's requests, which answer JSON."""
    if not getattr(request.ctx, "console", False):
        return None
    if isinstance(exception, ConsoleError):
        return error_page(request, exception.status, exception.text_key)
    if isinstance(exception, auth.CsrfRefused):
        return error_page(request, 403, "error_csrf")
    if isinstance(exception, auth.NotForYourRole):
        return error_page(request, 403, "error_not_for_your_role")
    if isinstance(exception, SQLAlchemyError):
        error_logger.error("database unavailable for %s %s: %s", request.method, request.path, exception)
        return error_page(request, 503, "error_database")
    return None
