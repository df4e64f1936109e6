"""The REST channel, for testers and for integrations that speak for a citizen they have verified themselves.

It answers like Rasa's own (`POST /webhooks/rest/webhook` with `{"sender": ..., "message": ...}` gives the replies
as a JSON list), but it trusts nothing it is sent:
- the sender is namespaced (`rest:<sender>`), so a REST client can never speak as a WhatsApp number, read that
  citizen's complaints or have Seva write to that number; and the input channel is always `rest`;
- with `REST_CHANNEL_TOKEN` set, every request carries `Authorization: Bearer <token>`; while the WhatsApp channel
  is on (production) the REST channel is off unless such a token is set;
- a body that is not a JSON object of the right shape gets 400, a message is read up to 4096 characters and
  cleaned of characters no database keeps, and photo or pin metadata is taken only in its documented form.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.apologies import NO_ANSWER, SERVICE_DOWN, apology
from seva import bootstrap
from seva.bootstrap import Services
from seva.masking import masked
from seva.text import clean_text

logger = logging.getLogger(__name__)

SENDER_PREFIX = "rest:"
MAX_SENDER = 128
# A 10 MB paste still gets an answer (read up to 4096 characters); beyond this the body is refused.
MAX_BODY_BYTES = 16 * 1024 * 1024


class MalformedMessage(ValueError):
    """A body the REST channel cannot take, with the reason in words."""


@dataclass(frozen=True)
class RestMessage:
    sender: str
    text: str
    metadata: Dict[str, Any]


def parse_message(body: bytes) -> RestMessage:
    """The message a REST body carries; raises MalformedMessage saying what is wrong with it."""
    try:
        data = json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # also a body that is not UTF-8, or nested beyond reason
        raise MalformedMessage("the body is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedMessage('the body is a JSON object: {"sender": "...", "message": "..."}')
    sender, text = data.get("sender"), data.get("message")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER:
        raise MalformedMessage(f"sender is a string of 1 to {MAX_SENDER} characters")
    if not isinstance(text, str):
        raise MalformedMessage("message is a string")
    return RestMessage(SENDER_PREFIX + clean_text(sender.strip()), clean_text(text), _metadata(data.get("metadata")))


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _metadata(value: Any) -> Dict[str, Any]:
    """Only the metadata the forms read, each in its documented form: an image link and a pin."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedMessage("metadata is a JSON object")
    metadata: Dict[str, Any] = {}
    image = value.get("image")
    if image is not None:
        if not isinstance(image, dict) or not isinstance(image.get("uri"), str):
            raise MalformedMessage('metadata.image is {"uri": "https://..."}')
        metadata["image"] = {"uri": clean_text(image["uri"])}
    location = value.get("location")
    if location is not None:
        if not isinstance(location, dict) or not all(_number(location.get(k)) for k in ("latitude", "longitude")):
            raise MalformedMessage('metadata.location is {"latitude": <number>, "longitude": <number>}')
        metadata["location"] = {"latitude": location["latitude"], "longitude": location["longitude"]}
    return metadata


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class BoundedRestInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls(bootstrap.services())

    def __init__(self, services: Services):
        self.services = services
        self.throttle = services.throttle
        self.token = services.settings.rest_channel_token
        self.open = services.settings.rest_channel_open
        if not self.open:
            logger.info("REST channel: off, as the WhatsApp channel is on and REST_CHANNEL_TOKEN is not set")

    def authorised(self, header: Optional[str]) -> bool:
        if self.token is None:
            return True
        scheme, _, given = (header or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("seva_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.open else "off"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.open:
                return _error(404, "The REST channel is off while the WhatsApp channel is on (set REST_CHANNEL_TOKEN).")
            if not self.authorised(request.headers.get("authorization")):
                return _error(401, "A valid token is needed: Authorization: Bearer <REST_CHANNEL_TOKEN>.")
            body = request.body or b""
            if len(body) > MAX_BODY_BYTES:
                return _error(413, "The body is too large.")
            try:
                message = parse_message(body)
            except MalformedMessage as error:
                return _error(400, f"Malformed message: {error}.")
            if not self.throttle.allow(message.sender):
                return _error(429, "Too many messages from this sender; wait a minute.", {"Retry-After": "60"})
            if not await asyncio.to_thread(self.services.database.reachable):
                # Rasa would answer from an empty conversation (its tracker store fails over to memory): the
                # citizen's answers so far are kept only if nothing is handled until the database is back.
                return await self._apology(message, SERVICE_DOWN, status=503)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        message.text, collector, message.sender, input_channel=self.name(), metadata=message.metadata
                    )
                )
            except Exception:  # the conversation store or the action server failed: say so, do not go silent
                logger.exception("Could not handle a REST message of %s", masked(message.sender))
                return await self._apology(message, NO_ANSWER, status=503)
            if not collector.messages:
                # Rasa answered nothing: a custom action failed (the action server is down).
                logger.error("No reply to a REST message of %s: the action server may be down", masked(message.sender))
                return await self._apology(message, NO_ANSWER, status=200)
            return response.json(collector.messages)

        return webhook

    async def _apology(self, message: RestMessage, kind: str, status: int) -> HTTPResponse:
        text = await asyncio.to_thread(apology, self.services, message.sender, message.text, kind)
        return response.json([{"recipient_id": message.sender, "text": text}], status=status)


def _error(status: int, message: str, headers: Optional[Dict[str, str]] = None) -> HTTPResponse:
    return response.json({"error": message}, status=status, headers=headers)
