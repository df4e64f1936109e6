"""Taking in Meta's webhooks: the signature checked, the notification read, each message recorded once.

Shared by the channel inside `rasa run` and by the receiver (`connectors.whatsapp.receiver`), a process of its own
that answers Meta at once while Rasa's work on earlier messages holds the replicas' event loops.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Awaitable, Callable, Dict, List, Mapping, Optional

from sqlalchemy.exc import SQLAlchemyError

from connectors.apologies import SERVICE_DOWN, apology
from connectors.whatsapp.payload import Inbound, MalformedPayload, parse_notification, read_json
from connectors.whatsapp.store import ChannelStore
from seva.bootstrap import Services
from seva.masking import masked
from whatsapp_cloud.api import GraphApi, SendError
from whatsapp_cloud.messages import text_body

logger = logging.getLogger(__name__)

SIGNATURE = "X-Hub-Signature-256"
MAX_BODY_BYTES = 1024 * 1024
# Once a citizen is told that Seva cannot answer, not again for this long while the fault lasts.
APOLOGY_EVERY = 600.0


@dataclass(frozen=True)
class Taken:
    """What to answer Meta, and the messages seen for the first time (recorded, to be handled)."""

    status: int
    answer: Dict[str, str]
    new: List[Inbound] = field(default_factory=list)


class Apologiser:
    """Says, in the citizen's language, that Seva cannot answer now; at most once in APOLOGY_EVERY each."""

    def __init__(self, api: GraphApi, services: Services):
        self.api, self.services = api, services
        self._told: Dict[str, float] = {}

    async def __call__(self, message: Inbound, kind: str) -> None:
        now = time.monotonic()
        if now - self._told.get(message.sender, -APOLOGY_EVERY) < APOLOGY_EVERY:
            return
        self._told[message.sender] = now
        text = await asyncio.to_thread(apology, self.services, message.sender, message.text, kind)
        try:
            await self.api.send(text_body(message.sender, text))
        except SendError as error:
            logger.error("Could not tell %s that Seva cannot answer now: %s", masked(message.sender), error)


class Reception:
    def __init__(
        self,
        app_secret: str,
        verify_token: str,
        store: ChannelStore,
        apologise: Callable[[Inbound, str], Awaitable[None]],
    ):
        self.app_secret = app_secret.encode()
        self.verify_token = verify_token
        self.store = store
        self.apologise = apologise

    def challenge(self, args: Mapping[str, str]) -> Optional[str]:
        """The challenge to echo to Meta's verification request; None if the request is not Meta's."""
        token = args.get("hub.verify_token") or ""
        if args.get("hub.mode") == "subscribe" and self.verify_token and same(token, self.verify_token):
            return args.get("hub.challenge") or ""
        return None

    def signed(self, body: bytes, header: Optional[str]) -> bool:
        """Whether the header is the HMAC-SHA256 of the raw body with the app secret."""
        if not header or not header.startswith("sha256="):
            return False
        expected = hmac.new(self.app_secret, body, hashlib.sha256).hexdigest()
        return same(header[len("sha256=") :].strip().lower(), expected)

    def signature(self, body: bytes) -> str:
        """The header that signs a body this side sends (the receiver's hand-on to a replica)."""
        return "sha256=" + hmac.new(self.app_secret, body, hashlib.sha256).hexdigest()

    async def take_in(self, body: bytes, signature: Optional[str]) -> Taken:
        if len(body) > MAX_BODY_BYTES:
            return Taken(413, {"error": "body too large"})
        if not self.signed(body, signature):
            return Taken(403, {"error": "missing or wrong signature"})
        try:
            notification = parse_notification(read_json(body))
        except MalformedPayload as error:
            return Taken(400, {"error": f"malformed notification: {error}"})
        for status in notification.statuses:
            logger.info(
                "WhatsApp status %s for %s: %s %s",
                status.get("status"),
                masked(str(status.get("recipient_id") or "")),
                status.get("id"),
                status.get("errors") or "",
            )
        for reported in notification.errors:
            logger.warning("WhatsApp reported an error: %s", reported)
        for system in notification.system:
            # A number changed, or the like: news for the logs, not a message to answer.
            logger.info("WhatsApp system update: %s", system.get("type") if isinstance(system, dict) else "unknown")
        new, unrecorded = [], 0
        for message in notification.messages:
            try:
                first = await asyncio.to_thread(self._record, message)
            except SQLAlchemyError:
                # Not handed to Rasa, which would answer from an empty conversation: Meta delivers it again (the
                # 503 below) until the database is back, and the citizen hears why they wait.
                logger.exception("Could not record WhatsApp message %s", message.message_id)
                unrecorded += 1
                await self.apologise(message, SERVICE_DOWN)
                continue
            if first:
                new.append(message)
            else:
                logger.info("WhatsApp message %s delivered again: ignored", message.message_id)
        if unrecorded:
            return Taken(503, {"error": "the database is down; deliver again later"}, new)
        return Taken(200, {"status": "received"}, new)

    def _record(self, message: Inbound) -> bool:
        """Records the message; False if it was seen before (and is handled or being handled)."""
        return self.store.first_time(message.message_id, message.sender, json.dumps(asdict(message)))


def same(given: str, expected: str) -> bool:
    """A constant-time comparison that takes any characters a client may send."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode())
