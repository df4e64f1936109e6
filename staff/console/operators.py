"""The operators' queue: citizens who asked for a person, their conversation, the operator's replies (sent over
WhatsApp by the notification worker) and the hand-back to Seva. Grievance officers and administrators operate;
field employees do not."""

from __future__ import annotations

import asyncio
from typing import Optional

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from seva.handovers import HandoverError
from seva.masking import masked
from seva.staff import StaffMember
from seva.workflow import ADMIN, GRO
from staff.console import auth
from staff.console.pages import ConsoleError, render

OPERATORS = (GRO, ADMIN)


def register(app: Sanic) -> None:
    for handler, uri, method in (
        (queue, "/handovers", "GET"),
        (conversation, "/handover/<handover_id:int>", "GET"),
        (reply, "/handover/<handover_id:int>/reply", "POST"),
        (hand_back, "/handover/<handover_id:int>/back", "POST"),
    ):
        app.add_route(handler, uri, methods=[method], name=f"console_{method.lower()}_handover_{handler.__name__}")


def _tenants(member: StaffMember) -> Optional[list]:
    if member.role not in OPERATORS:
        raise ConsoleError(403, "error_not_operator")
    return list(member.all_cities)


@auth.signed_in
async def queue(request: Request) -> HTTPResponse:
    member = request.ctx.session.member
    waiting = await asyncio.to_thread(request.app.ctx.handovers.queue, _tenants(member))
    return render(request, "handovers.html", handovers=waiting, masked=masked, done=bool(request.args.get("done")))


async def _page(request: Request, handover_id: int, problem: Optional[str] = None, status: int = 200):
    member = request.ctx.session.member
    try:
        conversation = await asyncio.to_thread(request.app.ctx.handovers.conversation, handover_id, _tenants(member))
    except HandoverError:
        raise ConsoleError(404, "error_not_found") from None
    return render(
        request, "handover.html", status=status, h=conversation, number=masked(conversation.sender_id), problem=problem
    )


@auth.signed_in
async def conversation(request: Request, handover_id: int) -> HTTPResponse:
    return await _page(request, handover_id)


@auth.signed_in
async def reply(request: Request, handover_id: int) -> HTTPResponse:
    member = request.ctx.session.member
    text = (request.form or {}).get("text") or ""
    try:
        await asyncio.to_thread(request.app.ctx.handovers.reply, handover_id, member.username, text, _tenants(member))
    except HandoverError:
        return await _page(request, handover_id, "error_handover_reply", status=422)
    return response.redirect(f"/handover/{handover_id}", status=303)


@auth.signed_in
async def hand_back(request: Request, handover_id: int) -> HTTPResponse:
    member = request.ctx.session.member
    try:
        await asyncio.to_thread(request.app.ctx.handovers.hand_back, handover_id, member.username, _tenants(member))
    except HandoverError:
        return await _page(request, handover_id, "error_handover_ended", status=409)
    return response.redirect("/handovers?done=1", status=303)
