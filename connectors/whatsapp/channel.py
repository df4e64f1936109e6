"""Seva's WhatsApp channel for the WhatsApp Business Cloud API.

`WhatsAppInput` takes Meta's webhooks (verification, signed notifications) and a telephony provider's missed-call
callbacks; `WhatsAppOutput` sends Rasa's replies through the Graph API. Reading payloads, formatting messages,
talking to the Graph API (`whatsapp_cloud`) and remembering message ids (`store`) are elsewhere.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from connectors.apologies import NO_ANSWER
from connectors.conversations import ConversationKeeper
from connectors.whatsapp.in_turn import InTurn
from connectors.whatsapp.payload import Inbound, MalformedPayload, read_handed_on
from connectors.whatsapp.reception import SIGNATURE, Apologiser, Reception, same
from connectors.whatsapp.store import ChannelStore
from seva import bootstrap
from seva.bootstrap import Services
from seva.masking import masked
from seva.media import File, locate
from seva.settings import WhatsAppSettings
from seva.text import LOCATION_TEXT, PHOTO_TEXT
from whatsapp_cloud.api import (
    GraphApi,
    MaybeSent,
    MediaRejected,
    MediaUnavailable,
    Refused,
    SendError,
    Unavailable,
)
from whatsapp_cloud.messages import (
    buttons_body,
    custom_body,
    image_body,
    photo_with_words,
    split_text,
    template_body,
    template_language,
    text_body,
)

logger = logging.getLogger(__name__)

# What Rasa reads when a citizen sends something Seva cannot read (audio, stickers, ...): an intent.
UNSUPPORTED = "/unsupported_message"
# ... and what it reads, once a minute, for a citizen writing faster than their allowance.
TOO_MANY = "/too_many_messages"
THROTTLED = "throttled"
# How long a stopping replica gives the messages it holds to be answered.
DRAIN_SECONDS = 20.0
# ... and for a photo the Graph API would not give (the citizen is asked to send it again).
PHOTO_NOT_RECEIVED = "/photo_not_received"


class DeliveryFailed(Exception):
    """WhatsApp did not take a message Seva was asked to deliver."""


class WhatsAppOutput(OutputChannel):
    """Replies to citizens. A `strict` output raises when WhatsApp refuses a message, so that a caller who can
    retry (the notification worker, through Rasa's trigger_intent) learns of it; replies to a citizen's own
    message are best effort, and a failure is logged."""

    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    def __init__(
        self,
        api: GraphApi,
        store: ChannelStore,
        strict: bool = False,
        reply_to: Optional[str] = None,
        media_dir: Optional[Path] = None,
    ):
        self.api = api
        self.store = store
        # Where the photos Seva keeps are: one of them (a proof of fix) is uploaded to WhatsApp to be sent.
        self.media_dir = media_dir
        self.strict = strict
        # The citizen's message these replies answer: each reply's delivery key is it and the reply's place.
        self.reply_to = reply_to
        self._replies = 0

    @property
    def replies(self) -> int:
        """How many replies this output has given (sent, queued, or found sent before)."""
        return self._replies

    async def _send(self, body: Dict[str, Any]) -> None:
        key = None
        if self.reply_to is not None:
            key = f"{self.reply_to}:{self._replies}"
            self._replies += 1
            if await _quietly(asyncio.to_thread(self.store.was_sent, key), default=False):
                logger.info("Reply %s went out before (the message is being handled again): not sent twice", key)
                return
        if self.strict:
            try:
                await self.api.send(body)
            except MaybeSent:
                return  # the caller would send it again, perhaps twice: taken as sent
            except SendError as error:
                raise DeliveryFailed(f"WhatsApp did not take the message to {body.get('to')}: {error}") from None
            return
        assert key is not None, "a reply answers a message"
        recipient = str(body.get("to"))
        if await _quietly(asyncio.to_thread(self.store.has_queued, recipient), default=False):
            # Earlier replies to this citizen wait for WhatsApp: this one waits behind them.
            await _quietly(asyncio.to_thread(self.store.queue, key, recipient, body))
            return
        try:
            await self.api.send(body)
        except Unavailable:
            logger.warning("Reply %s to %s queued until WhatsApp takes it", key, masked(recipient))
            await _quietly(asyncio.to_thread(self.store.queue, key, recipient, body))
            return
        except Refused:
            return  # logged by the client; trying again would be refused again
        except MaybeSent:
            pass  # recorded as sent: sending it again could deliver it twice
        await _quietly(asyncio.to_thread(self.store.sent, key))

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await _quietly(asyncio.to_thread(self.store.forget_choices, recipient_id))
        for piece in split_text(text):
            await self._send(text_body(recipient_id, piece))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        bodies, numbered = buttons_body(recipient_id, text, buttons)
        await _quietly(asyncio.to_thread(self.store.remember_choices, recipient_id, options(buttons), bool(numbered)))
        for body in bodies:
            await self._send(body)

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Rasa's way, but a photo Seva keeps (a proof of fix) and its words go as one message when they fit: the
        photo is uploaded first, so that a failed upload sends nothing and a retry sends nothing twice."""
        image = message.pop("image", None)
        media_id = await self._uploaded(recipient_id, image) if image else None
        together = None
        if media_id and message.get("text") and not message.get("quick_replies"):
            together = photo_with_words(recipient_id, media_id, message["text"], message.get("buttons") or [])
        if together is not None:
            message.pop("text")
            buttons = message.pop("buttons", None) or []
            await _quietly(asyncio.to_thread(self.store.remember_choices, recipient_id, options(buttons), False))
            await self._send(together)
        await super().send_response(recipient_id, message)
        if image and together is None:
            await self._send_photo(recipient_id, image, media_id)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._send_photo(recipient_id, image, await self._uploaded(recipient_id, image))

    async def _uploaded(self, recipient_id: Text, image: Text) -> Optional[str]:
        """The WhatsApp media id of a photo Seva keeps, once uploaded; None for a link or anything else."""
        found = locate(image, self.media_dir) if self.media_dir is not None else None
        if not isinstance(found, File):
            return None
        try:
            return await self.api.upload_image(found.path, found.content_type)
        except SendError as error:
            if self.strict:
                raise DeliveryFailed(f"WhatsApp did not take the photo for {recipient_id}: {error}") from None
            return None

    async def _send_photo(self, recipient_id: Text, image: Text, media_id: Optional[str]) -> None:
        if media_id:
            await self._send(image_body(recipient_id, media_id=media_id))
        elif image.startswith(("https://", "http://")):
            await self._send(image_body(recipient_id, image))
        else:
            logger.warning(
                "Photo %r for %s not sent: not a link, nor a photo Seva keeps and could upload",
                image[:80],
                masked(recipient_id),
            )
            if self.reply_to is not None:
                # Its place is kept, so that the message handled again gives each later reply the same key.
                self._replies += 1

    async def send_attachment(self, recipient_id: Text, attachment: Text, **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, attachment)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self._send(custom_body(recipient_id, json_message))


class WhatsAppInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls.for_services(bootstrap.services(), credentials or {})

    @classmethod
    def for_services(cls, services: Services, credentials: Dict[Text, Any]) -> WhatsAppInput:
        """The channel over this process's services, with credentials.yml's settings before the environment's."""
        settings = services.settings.whatsapp.with_credentials(credentials)
        if not settings.app_secret:
            raise RasaException(
                "The WhatsApp channel needs the app secret (WHATSAPP_APP_SECRET) to check that webhooks come "
                "from Meta; it does not start without one."
            )
        return cls(settings, services)

    def __init__(self, settings: WhatsAppSettings, services: Services):
        self.media_dir = services.settings.media_dir
        self.missed_call_token = settings.missed_call_token
        self.missed_call_template = settings.missed_call_template
        self.store = ChannelStore.for_settings(services.database, settings)
        # How often this replica looks for messages taken in but never handled (by it or another one).
        self.sweep_seconds = min(settings.redeliver_after_seconds / 2, 30.0)
        self._sweeper: Optional[asyncio.Task] = None
        # Erasing conversations asked to be deleted, and pruning old ones (connectors.conversations).
        self._keeper: Optional[asyncio.Task] = None
        self._stopping = asyncio.Event()
        self.citizens = services.citizens
        self.services = services
        self.throttle = services.throttle
        self.api = GraphApi.from_settings(settings, fallback_language=self._template_language)
        self.apologise = Apologiser(self.api, services)
        self.reception = Reception(settings.app_secret, settings.verify_token, self.store, self.apologise)
        # Each sender's messages are handled one after another, in the order they came.
        self._in_turn = InTurn()
        # Ids of the messages this replica holds and has not finished: never handed to Rasa twice at once.
        self._in_hand: Set[str] = set()

    def get_output_channel(self) -> OutputChannel:
        # Rasa asks for this output for trigger_intent: messages Seva starts, which their sender retries.
        return WhatsAppOutput(self.api, self.store, strict=True, media_dir=self.media_dir)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("whatsapp_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            challenge = self.reception.challenge(request.args)
            if challenge is None:
                return response.text("verification failed", status=403)
            return response.text(challenge)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            taken = await self.reception.take_in(request.body or b"", request.headers.get(SIGNATURE))
            for message in taken.new:
                await self._admit(message, on_new_message)
            return response.json(taken.answer, status=taken.status)

        @webhook.route("/taken", methods=["POST"])
        async def taken_by_receiver(request: Request) -> HTTPResponse:
            """Messages the receiver took in and recorded, signed by it with the app secret."""
            body = request.body or b""
            if not self.reception.signed(body, request.headers.get(SIGNATURE)):
                return response.json({"error": "missing or wrong signature"}, status=403)
            try:
                messages = read_handed_on(body)
            except MalformedPayload as error:
                return response.json({"error": f"malformed hand-on: {error}"}, status=400)
            for message in messages:
                if message.message_id not in self._in_hand:
                    await self._admit(message, on_new_message)
            return response.json({"status": "handling"}, status=202)

        @webhook.route("/missed_call", methods=["POST"])
        async def missed_call(request: Request) -> HTTPResponse:
            if not self.missed_call_token:
                return response.json({"error": "missed calls are not configured"}, status=404)
            token = request.headers.get("X-Seva-Token") or request.headers.get("Authorization", "").removeprefix(
                "Bearer "
            )
            if not same(token, self.missed_call_token):
                return response.json({"error": "wrong token"}, status=401)
            caller = _caller(request)
            if caller is None:
                return response.json({"error": "no caller number in the callback"}, status=400)
            language = await asyncio.to_thread(self._template_language, caller)
            body = template_body(caller, self.missed_call_template, language, [])
            try:
                message_id = await self.api.send(body)
            except SendError as error:
                return response.json({"error": f"WhatsApp did not take the message: {error}"}, status=502)
            return response.json({"status": "sent", "to": caller, "message_id": message_id}, status=202)

        @webhook.listener("after_server_start")
        async def start_redelivering(app: Any, loop: Any) -> None:
            self._sweeper = asyncio.ensure_future(self._redeliver(on_new_message))
            keeper = ConversationKeeper(
                self.services,
                lambda: getattr(getattr(app.ctx, "agent", None), "tracker_store", None),
                forget_channel=[self.store.forget_citizen],
            )
            self._keeper = asyncio.ensure_future(keeper.run(self._stopping))

        @webhook.listener("before_server_stop")
        async def finish_what_is_in_hand(app: Any, loop: Any) -> None:
            self._stopping.set()
            if self._sweeper is not None:
                self._sweeper.cancel()
            # A reply cut off mid-send may reach the citizen twice once the message is handled again: finish first.
            pending = self._in_turn.pending()
            if pending:
                logger.info("Stopping: finishing %d citizens' messages first", len(pending))
                await asyncio.wait(pending, timeout=DRAIN_SECONDS)

        return webhook

    async def _redeliver(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """Hands messages that were taken in but never handled to Rasa again, in the order they came."""
        while True:
            try:
                due = await asyncio.to_thread(self.store.due_again)
            except SQLAlchemyError:
                logger.exception("Could not look for WhatsApp messages to handle again")
                due = []
            await self._send_queued()
            for row in due:
                if row.message_id in self._in_hand:
                    continue
                logger.warning(
                    "WhatsApp message %s of %s was not handled: handling it again (attempt %d)",
                    row.message_id,
                    masked(row.sender_id),
                    row.attempts,
                )
                self._enqueue(Inbound(**json.loads(row.payload)), on_new_message)
            await asyncio.sleep(self.sweep_seconds)

    async def _send_queued(self) -> None:
        """Sends the replies WhatsApp could not take before, each citizen's in order, until one fails again."""
        try:
            queued = await asyncio.to_thread(self.store.queued_due)
        except SQLAlchemyError:
            logger.exception("Could not read the queued WhatsApp replies")
            return
        stuck: Set[str] = set()
        for reply in queued:
            if reply.recipient in stuck:
                continue
            try:
                await self.api.send(json.loads(reply.body))
                delivered = True
            except Unavailable:
                stuck.add(reply.recipient)
                await _quietly(asyncio.to_thread(self.store.retry_later, reply.key))
                continue
            except (Refused, MaybeSent) as error:
                delivered = isinstance(error, MaybeSent)
            outcome = "sent" if delivered else "dropped"
            logger.info("Queued reply %s to %s: %s", reply.key, masked(reply.recipient), outcome)
            await _quietly(asyncio.to_thread(self.store.dequeue, reply.key, delivered))

    async def _admit(self, message: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """Hands a message taken in to Rasa, unless its sender writes faster than their allowance."""
        if self.throttle.allow(message.sender):
            self._enqueue(message, on_new_message)
        elif self.throttle.first_refusal(message.sender):
            self._enqueue(replace(message, kind=THROTTLED), on_new_message)
        else:
            logger.warning("WhatsApp message %s: its sender writes too fast, not read", message.message_id)
            await self._quietly_handled(message.message_id)

    def _enqueue(self, message: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        self._in_hand.add(message.message_id)
        task = self._in_turn.run(message.sender, partial(self._handle, message, on_new_message))
        task.add_done_callback(partial(_forget, self._in_hand, message.message_id))

    async def _handle(self, message: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        output = WhatsAppOutput(self.api, self.store, reply_to=message.message_id, media_dir=self.media_dir)
        try:
            # When they last wrote opens WhatsApp's 24-hour window for the worker; noted here, off the webhook's
            # answer, which Meta wants fast.
            await _quietly(asyncio.to_thread(self.citizens.wrote_on_whatsapp, message.sender))
            if await self._to_operator(message):
                await self._quietly_handled(message.message_id)
                return
            text, metadata = await self._to_rasa(message)
            await on_new_message(
                UserMessage(
                    text,
                    output,
                    message.sender,
                    input_channel=self.name(),
                    message_id=message.message_id,
                    metadata=metadata,
                )
            )
        except Exception:  # one bad message must not stop the sender's later ones; it is tried again later
            logger.exception("Could not handle WhatsApp message %s from %s", message.message_id, masked(message.sender))
            await self.apologise(message, NO_ANSWER)
            return
        if not output.replies:
            # Rasa answered nothing: a custom action failed (the action server is down). Never silence.
            logger.error("No reply to WhatsApp message %s: the action server may be down", message.message_id)
            await self.apologise(message, NO_ANSWER)
        await self._quietly_handled(message.message_id)

    async def _to_operator(self, message: Inbound) -> bool:
        """While the citizen is handed over to a person, their messages go to the operator, and Seva says nothing."""
        try:
            handover = await asyncio.to_thread(self.services.handovers.open_for, message.sender)
            if handover is None:
                return False
            words = message.text if message.kind == "text" else f"[{message.kind}] {message.text or ''}".strip()
            await asyncio.to_thread(self.services.handovers.citizen_wrote, handover, words)
        except SQLAlchemyError:
            # Seva answers rather than leave the citizen unheard.
            logger.exception("Could not read the hand-over of %s", masked(message.sender))
            return False
        return True

    async def _to_rasa(self, message: Inbound) -> tuple:
        """The text Rasa reads and the metadata the form reads (photo, location)."""
        metadata: Dict[str, Any] = {"whatsapp": {"type": message.kind, "name": message.profile_name}}
        if message.kind == THROTTLED:
            return TOO_MANY, metadata
        if not message.readable:
            return UNSUPPORTED, metadata
        if message.kind == "image":
            if not message.media_id:
                return UNSUPPORTED, metadata
            try:
                saved = await self.api.save_image(message.media_id, self.media_dir)
            except MediaRejected as reason:
                logger.info("Photo %s from %s not taken: %s", message.media_id, masked(message.sender), reason)
                return UNSUPPORTED, metadata
            except MediaUnavailable as reason:
                logger.warning("Photo %s from %s not received: %s", message.media_id, masked(message.sender), reason)
                return PHOTO_NOT_RECEIVED, metadata
            metadata["image"] = {"uri": saved.uri, "mime_type": saved.mime_type, "sha256": saved.sha256}
            return message.text or PHOTO_TEXT, metadata
        if message.kind == "location":
            metadata["location"] = {"latitude": message.latitude, "longitude": message.longitude}
            return message.text or LOCATION_TEXT, metadata
        if message.kind == "text":
            try:
                chosen = await asyncio.to_thread(self.store.chosen, message.sender, message.text)
            except SQLAlchemyError:
                logger.exception("Could not read the options last sent to %s", masked(message.sender))
                chosen = None
            return chosen or message.text, metadata
        return message.text, metadata

    async def _quietly_handled(self, message_id: str) -> None:
        try:
            await asyncio.to_thread(self.store.handled, message_id)
        except SQLAlchemyError:
            # It will be handled again once its lease runs out: better twice than never.
            logger.exception("Could not record WhatsApp message %s as handled", message_id)

    def _template_language(self, recipient: str) -> str:
        try:
            known = self.citizens.language_of(recipient)
        except SQLAlchemyError:
            known = None
        return template_language(known.language if known else None)


def _forget(in_hand: Set[str], message_id: str, done: asyncio.Task) -> None:
    in_hand.discard(message_id)


def options(buttons: List[Dict[Text, Any]]) -> List[Tuple[str, str]]:
    """(title, payload) of each button, as the citizen may type the title instead of tapping it."""
    return [(str(b.get("title") or ""), str(b.get("payload") or b.get("title") or "")) for b in buttons]


def _caller(request: Request) -> Optional[str]:
    """The caller's number from a telephony callback (JSON or form), as WhatsApp wants it: country code, digits."""
    fields: Dict[str, Any] = {}
    try:
        if request.content_type.startswith("application/json"):
            fields = request.json or {}
        else:
            fields = {k: v[0] if isinstance(v, list) else v for k, v in (request.form or {}).items()}
    except Exception:  # a broken body is a missing number
        return None
    if not isinstance(fields, dict):  # a JSON list or string names no caller
        return None
    raw = next((fields.get(k) for k in ("caller", "from", "From", "CallFrom", "msisdn", "number") if fields.get(k)), "")
    digits = re.sub(r"\D", "", str(raw))
    if len(digits) == 11 and digits.startswith("0"):
        digits = digits[1:]
    if len(digits) == 10:
        digits = "91" + digits  # an Indian number without its country code
    return digits if 11 <= len(digits) <= 15 else None


async def _quietly(work: Awaitable[Any], default: Any = None) -> Any:
    """The channel's own bookkeeping (numbered options, delivery keys) must not stop a reply: a failure is logged."""
    try:
        return await work
    except SQLAlchemyError:
        logger.exception("Could not read or write the WhatsApp channel's bookkeeping")
        return default
