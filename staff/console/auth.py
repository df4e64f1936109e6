"""Who is signed in to the console: the session cookie, the CSRF token every form carries, and the page
decorator that asks for both. Sessions live in the database (seva.staff), so any replica serves any user."""

from __future__ import annotations

import asyncio
import hmac
import secrets
from functools import wraps
from typing import Collection, Optional
from urllib.parse import quote

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from seva.staff import ConsoleSession
from seva.workflow import COMPLAINT_ROLES, REVIEW_ROLES

SESSION_COOKIE = "seva_session"
# Before sign-in there is no session to hold a CSRF token: the sign-in form's is also set as this cookie.
SIGN_IN_COOKIE = "seva_sign_in"
CSRF_FIELD = "csrf"


class CsrfRefused(Exception):
    pass


class NotForYourRole(Exception):
    """A signed-in member's role has no business on the page (a trainer on the queue, a field employee on the
    review inbox)."""


def secure(request: Request) -> bool:
    """Whether cookies are marked Secure: served over TLS, or behind a proxy that terminates it."""
    return request.app.ctx.console_https or request.scheme == "https"


def set_cookie(request: Request, page: HTTPResponse, name: str, value: str, max_age: int, strict: bool) -> None:
    """A cookie scripts cannot read, sent back only from this site (Strict: not even when followed from a link)."""
    page.cookies[name] = value
    cookie = page.cookies[name]
    cookie["path"] = "/"
    cookie["httponly"] = True
    cookie["samesite"] = "Strict" if strict else "Lax"
    cookie["max-age"] = max_age
    if secure(request):
        cookie["secure"] = True


def drop_cookie(request: Request, page: HTTPResponse, name: str) -> None:
    set_cookie(request, page, name, "", max_age=0, strict=False)


def new_sign_in_token() -> str:
    return secrets.token_urlsafe(32)


def same(given: Optional[str], expected: Optional[str]) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(str(given), str(expected))


def check_csrf(request: Request, session: ConsoleSession) -> None:
    if not same(request.form.get(CSRF_FIELD) if request.form else None, session.csrf_token):
        raise CsrfRefused()


def for_roles(roles: Optional[Collection[str]]):
    """The page for a signed-in member (`request.ctx.session`) of one of `roles` (None: any); others go to the
    sign-in page. A POST must carry the session's CSRF token."""

    def decorate(handler):
        @wraps(handler)
        async def with_session(request: Request, **kwargs) -> HTTPResponse:
            request.ctx.console = True
            token = request.cookies.get(SESSION_COOKIE)
            session = await asyncio.to_thread(request.app.ctx.staff.session, token) if token else None
            if session is None:
                if request.method != "GET":
                    return response.redirect("/signin", status=303)
                target = request.path + (f"?{request.query_string}" if request.query_string else "")
                return response.redirect(f"/signin?next={quote(target, safe='')}", status=303)
            request.ctx.session = session
            if request.method == "POST":
                check_csrf(request, session)
            if roles is not None and session.member.role not in roles:
                raise NotForYourRole()
            return await handler(request, **kwargs)

        return with_session

    return decorate


# Any member: signing out, choosing the console's language.
signed_in = for_roles(None)
# The queue, a complaint, the dashboard and their CSV files.
works_on_complaints = for_roles(COMPLAINT_ROLES)
# The review inbox.
reviews = for_roles(REVIEW_ROLES)


def home_of(role: str) -> str:
    return "/queue" if role in COMPLAINT_ROLES else "/review"


def safe_next(target: Optional[str]) -> str:
    """Where to go after sign-in: a path of this console, never another site."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        # Browsers drop tabs and new lines from an address: "/\t/evil.example" would lead off the site.
        or any(ch.isspace() or not ch.isprintable() for ch in target)
    ):
        return "/"
    return target
