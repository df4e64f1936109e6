"""The review inbox in the console, for trainers (and administrators): the messages of real conversations that
Seva was unsure of or got wrong, and the trainer's decision on each. The same inbox as `make review`
(trainer.inbox): read from the conversations Rasa keeps, decided into the cell's training data."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import List, Optional, Tuple
from urllib.parse import urlencode

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from seva.bootstrap import Services
from seva.review import REASONS, Entry
from staff.console import auth
from staff.console.pages import ConsoleError, render
from trainer import inbox
from trainer.conversations import NotKept
from trainer.training_data import Refused, cells, intents

PAGE_SIZE = 50
# What the trainer can say of a message: add it as Seva guessed or as suggested, add it labelled otherwise, or
# leave it out for good.
ACCEPT, RELABEL, DISCARD = "accept", "relabel", "discard"
NO_TYPE = "-"


def register(app: Sanic, services: Services) -> None:
    app.ctx.review_log = services.review_log
    app.ctx.endpoints = services.settings.endpoints
    app.ctx.training_data = services.settings.training_data_dir
    for handler, uri, method in ((page, "/review", "GET"), (decide, "/review", "POST")):
        app.add_route(handler, uri, methods=[method], name=f"console_{method.lower()}_review_{handler.__name__}")


def _since(request: Request) -> Optional[float]:
    """The Unix time the inbox's conversations start from: `since` is a day (the page's date field) or a moment in
    ISO 8601, in UTC unless it says otherwise."""
    asked = request.args.get("since")
    if not asked:
        return None
    try:
        return inbox.since(asked)
    except ValueError:
        raise ConsoleError(422, "error_invalid") from None


def _read(request: Request, since: Optional[float]) -> List[Entry]:
    _, entries = inbox.read(request.app.ctx.review_log, Path(request.app.ctx.endpoints), since)
    return entries


async def _show(
    request: Request, problem: Optional[str] = None, done: Optional[str] = None, status: int = 200
) -> HTTPResponse:
    since = _since(request)
    data = Path(request.app.ctx.training_data)
    try:
        entries = await asyncio.to_thread(_read, request, since)
    except NotKept:
        return render(request, "review.html", status=503, section="review", not_kept=True, entries=[], cells=[])
    known_cells = cells(data)
    cell = request.args.get("cell")
    if cell and cell not in known_cells:
        raise ConsoleError(422, "error_invalid")
    shown = [e for e in entries if not cell or e.cell == cell]
    return render(
        request,
        "review.html",
        status=status,
        section="review",
        entries=shown[:PAGE_SIZE],
        total=len(shown),
        cells=known_cells,
        cell=cell,
        since=request.args.get("since") or "",
        intents=intents(),
        services=sorted(request.app.ctx.catalogue.services),
        reasons=REASONS,
        no_type=NO_TYPE,
        problem=problem,
        done=done,
    )


@auth.reviews
async def page(request: Request) -> HTTPResponse:
    done = request.args.get("done")
    return await _show(request, done=done if done in (ACCEPT, DISCARD) else None)


def _label(request: Request, entry: Entry, choice: str, known_cells: List[str]) -> Tuple[str, Optional[str], str]:
    """(intent, complaint type, cell) the trainer gave the message."""
    if choice == ACCEPT:
        intent, complaint_type, cell = entry.suggestion
        if not intent:
            raise ConsoleError(422, "review_no_guess")
        return intent, complaint_type, cell
    form = request.form or {}
    given_intent, given_type, given_cell = form.get("intent"), form.get("complaint_type"), form.get("to_cell")
    if given_intent not in intents() or given_cell not in known_cells:
        raise ConsoleError(422, "error_invalid")
    if given_type in (None, "", NO_TYPE):
        return given_intent, None, given_cell
    if given_type not in request.app.ctx.catalogue.services:
        raise ConsoleError(422, "error_invalid")
    return given_intent, given_type, given_cell


@auth.reviews
async def decide(request: Request) -> HTTPResponse:
    form = request.form or {}
    choice, key, entry_cell = form.get("decision"), form.get("key"), form.get("cell")
    if choice not in (ACCEPT, RELABEL, DISCARD) or not key:
        raise ConsoleError(422, "error_invalid")
    since = _since(request)
    entries = await asyncio.to_thread(_read, request, since)
    entry = next((e for e in entries if e.key == key and e.cell == entry_cell), None)
    if entry is None:
        # Decided meanwhile (by another trainer, or in an earlier tab): nothing left to do.
        raise ConsoleError(409, "review_gone")
    data = Path(request.app.ctx.training_data)
    who = request.ctx.session.member.username
    try:
        if choice == DISCARD:
            await asyncio.to_thread(inbox.decide, request.app.ctx.review_log, entry, inbox.DISCARDED, who, data)
        else:
            intent, complaint_type, cell = _label(request, entry, choice, cells(data))
            decision = inbox.ACCEPTED if choice == ACCEPT else inbox.RELABELLED
            await asyncio.to_thread(
                inbox.decide, request.app.ctx.review_log, entry, decision, who, data, intent, complaint_type, cell
            )
    except Refused as refused:
        return await _show(request, problem=f"review_refused_{refused.reason}", status=422)
    back = {
        "done": DISCARD if choice == DISCARD else ACCEPT,
        "cell": request.args.get("cell"),
        "since": request.args.get("since"),
    }
    return response.redirect("/review?" + urlencode({k: v for k, v in back.items() if v}), status=303)
