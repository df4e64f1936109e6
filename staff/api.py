"""The staff HTTP API: a GRO or field employee lists their city's complaints and acts on them; and the staff
console (staff.console), served by the same process at `/`.

Every API route but /health, /openapi.json and the public Open311 API (staff.open311, under /open311/v2/) needs
`Authorization: Bearer <token>` (tokens from seva.staff).
Database calls block, so they run in threads (`asyncio.to_thread`), never on the event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from functools import partial, wraps
from pathlib import Path
from typing import Collection, Optional

import yaml
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from seva import bootstrap
from seva.bootstrap import Services
from seva.complaints import ComplaintView
from seva.lifecycle import NotFound
from seva.media import MAX_IMAGE_BYTES, File
from seva.numbering import NUMBER_PATTERN
from seva.staff import StaffMember
from seva.storage import utcnow
from seva.workflow import COMPLAINT_ROLES, Refused, may_view
from staff import open311, serialise
from staff.console import operators, review
from staff.console import pages as console
from staff.errors import ApiError, JsonErrors, refusal
from staff.inputs import action_request, complaint_query
from staff.photos import photo_at, served

OPENAPI = Path(__file__).resolve().parent / "openapi.yml"
MAX_BODY_BYTES = 64 * 1024


class Errors(JsonErrors):
    """The console's errors as its own pages; the API's as JSON."""

    def default(self, request, exception) -> HTTPResponse:
        return console.error_response(request, exception) or super().default(request, exception)


def create_app(services: Services) -> Sanic:
    # The standard library's JSON: Sanic's default (ujson) escapes every "/" of the photo URLs as "\/".
    app = Sanic("seva_staff", error_handler=Errors(), dumps=partial(json.dumps, ensure_ascii=False))
    # The console's proof-of-fix photo is the largest body any route takes; the API's take far less.
    app.config.REQUEST_MAX_SIZE = MAX_IMAGE_BYTES + MAX_BODY_BYTES
    # Sanic's most: an Open311 client may ask for up to 1000 complaint numbers in one address.
    app.config.REQUEST_MAX_HEADER_SIZE = 16384
    app.ctx.catalogue = services.catalogue
    app.ctx.staff = services.staff
    app.ctx.complaints = services.complaints
    app.ctx.lifecycle = services.lifecycle
    app.ctx.media = services.settings.media_dir.resolve()
    with OPENAPI.open(encoding="utf-8") as f:
        app.ctx.openapi = yaml.safe_load(f)

    app.add_route(health, "/health", methods=["GET"])
    app.add_route(openapi, "/openapi.json", methods=["GET"])
    app.add_route(me, "/me", methods=["GET"])
    app.add_route(list_complaints, "/complaints", methods=["GET"])
    app.add_route(get_complaint, "/complaints/<number:str>", methods=["GET"])
    app.add_route(get_photo, "/complaints/<number:str>/photos/<index:int>", methods=["GET"])
    app.add_route(act, "/complaints/<number:str>/actions", methods=["POST"])
    app.add_route(list_staff, "/staff", methods=["GET"])
    console.register(app, services)
    operators.register(app)
    review.register(app, services)
    open311.register(app)
    return app


def bearer_of(roles: Optional[Collection[str]]):
    """Calls the handler with the staff member holding the request's bearer token: 401 without one, 403 when
    their role is not one of `roles` (None: any)."""

    def decorate(handler):
        @wraps(handler)
        async def with_member(request: Request, **kwargs) -> HTTPResponse:
            scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
            member = None
            if scheme.lower() == "bearer" and token.strip():
                member = await asyncio.to_thread(request.app.ctx.staff.authenticate, token.strip())
            if member is None:
                raise ApiError(
                    401,
                    "unauthorized",
                    "A valid staff token is needed: Authorization: Bearer <token>.",
                    headers={"WWW-Authenticate": 'Bearer realm="seva-staff"'},
                )
            if roles is not None and member.role not in roles:
                raise ApiError(403, "role", f"A {member.role} has no access to complaints.")
            return await handler(request, member, **kwargs)

        return with_member

    return decorate


authenticated = bearer_of(COMPLAINT_ROLES)
# Who holds the token, whatever their role.
any_member = bearer_of(None)


async def health(request: Request) -> HTTPResponse:
    return response.json({"status": "ok"})


async def openapi(request: Request) -> HTTPResponse:
    return response.json(request.app.ctx.openapi)


@any_member
async def me(request: Request, member: StaffMember) -> HTTPResponse:
    return response.json(serialise.me(member))


@authenticated
async def list_complaints(request: Request, member: StaffMember) -> HTTPResponse:
    query = complaint_query(request.get_args(keep_blank_values=True), member, request.app.ctx.catalogue)
    now = utcnow()
    result = await asyncio.to_thread(request.app.ctx.complaints.search, query, now)
    return response.json(serialise.page(result, now))


@authenticated
async def get_complaint(request: Request, member: StaffMember, number: str) -> HTTPResponse:
    view = await _complaint_of_city(request, member, number)
    return response.json(serialise.complaint(view, member, request.app.ctx.catalogue, utcnow()))


@authenticated
async def get_photo(request: Request, member: StaffMember, number: str, index: int) -> HTTPResponse:
    view = await _complaint_of_city(request, member, number)
    photo = await photo_at(view, index, request.app.ctx.media)
    if photo is None:
        raise ApiError(404, "not_found", f"{view.number} has no photo {index}.")
    if not isinstance(photo, File):
        # A link the citizen sent is never followed from here: the complaint shows it as text.
        raise ApiError(404, "not_stored", f"Photo {index} of {view.number} is a link the citizen sent, not kept here.")
    return await served(photo, "private, max-age=3600")


@authenticated
async def act(request: Request, member: StaffMember, number: str) -> HTTPResponse:
    _check_number(number)
    if len(request.body) > MAX_BODY_BYTES:
        raise ApiError(413, "payload_too_large", "The request body is too large.")
    wanted = action_request(request.body)
    try:
        view = await asyncio.to_thread(
            request.app.ctx.lifecycle.act,
            number,
            wanted.action,
            member.actor,
            comment=wanted.comment,
            assignee=wanted.assignee,
            into=wanted.into,
        )
    except Refused as refused:
        if refused.reason == "city":
            raise _not_found(number) from None
        raise refusal(refused) from None
    except NotFound:
        raise _not_found(number) from None
    return response.json(serialise.complaint(view, member, request.app.ctx.catalogue, utcnow()))


@authenticated
async def list_staff(request: Request, member: StaffMember) -> HTTPResponse:
    members = await asyncio.to_thread(request.app.ctx.staff.members, member.tenant_id)
    return response.json({"items": [serialise.staff_member(m) for m in members]})


async def _complaint_of_city(request: Request, member: StaffMember, number: str) -> ComplaintView:
    _check_number(number)
    view = await asyncio.to_thread(request.app.ctx.complaints.get, number)
    if view is None:
        raise _not_found(number)
    if not may_view(member.actor, view):
        # Answered as if it did not exist: other cities' complaints (or, for a field employee, others' work) are
        # not even counted.
        raise _not_found(number)
    return view


def _check_number(number: str) -> None:
    """Only a whole complaint number names a complaint (the lookups would find one inside longer text)."""
    if not NUMBER_PATTERN.fullmatch(number):
        raise _not_found(number)


def _not_found(number: str) -> ApiError:
    return ApiError(404, "not_found", f"There is no complaint {number}.")


def main() -> None:
    services = bootstrap.services()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=services.settings.staff_api_port)
    args = parser.parse_args()
    app = create_app(services)
    app.run(host=args.host, port=args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
