"""The WhatsApp Cloud API (Meta's Graph API), as Seva uses it: sending messages, fetching media."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional

import aiohttp

from seva.media import MAX_IMAGE_BYTES, NotAPhoto, SavedMedia, keep_image
from seva.settings import WhatsAppSettings
from whatsapp_cloud.messages import template_body

logger = logging.getLogger(__name__)

API_VERSION = "v21.0"
# Throughput limits and passing trouble: worth waiting for. Decided by the Graph API's error code (4: the app's
# call rate, 80007: the business account's, 130429 and 131056: messaging throughput, 131000 and 133004: WhatsApp's
# own trouble), else by the HTTP status (429, and 5xx without a code).
RETRIED_CODES = frozenset({4, 80007, 130429, 131056, 131000, 133004})
OUTSIDE_24_HOURS = 131047
# Graph API media ids are digits; anything else would be a path into the Graph API.
MEDIA_ID = re.compile(r"[0-9]{1,40}")


class SendError(Exception):
    """WhatsApp did not take a message. `transient` failures (rate limits, outages) may be tried again later."""

    transient = False


class Unavailable(SendError):
    """Rate-limited or down for longer than this call kept trying; the message did not go out."""

    transient = True


class Refused(SendError):
    """WhatsApp refused the message (an invalid recipient or body, a template it does not know): do not retry."""

    def __init__(self, reason: str, code: Any = None):
        super().__init__(reason)
        self.code = code


class MaybeSent(SendError):
    """No answer in time: the message may have gone out, so sending it again could deliver it twice."""


class MediaRejected(Exception):
    """A photo that is not a JPEG or PNG (by its bytes, whatever it is labelled), or bigger than WhatsApp allows."""


class MediaUnavailable(Exception):
    """A photo the Graph API would not give: its metadata or file failed, was slow, or had no address."""


class GraphApi:
    def __init__(
        self,
        access_token: str,
        phone_number_id: str,
        base_url: str = WhatsAppSettings.api_base_url,
        attempts: int = 4,
        backoff_seconds: float = 1.0,
        timeout_seconds: float = 10.0,
        fallback_template: Optional[str] = None,
        fallback_language: Callable[[str], str] = lambda recipient: "en",
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.base = f"{base_url.rstrip('/')}/{API_VERSION}"
        self.headers = {"Authorization": f"Bearer {access_token}"}
        self.phone_number_id = phone_number_id
        self.attempts = attempts
        self.backoff = backoff_seconds
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self.fallback_template = fallback_template
        self.fallback_language = fallback_language
        self.sleep = sleep

    @classmethod
    def from_settings(cls, settings: WhatsAppSettings, **kwargs: Any) -> GraphApi:
        return cls(
            settings.access_token,
            settings.phone_number_id,
            base_url=settings.api_base_url,
            attempts=settings.send_attempts,
            backoff_seconds=settings.send_backoff_seconds,
            fallback_template=settings.reengage_template,
            **kwargs,
        )

    async def send(self, body: Dict[str, Any]) -> str:
        """Sends one message and gives its WhatsApp message id; raises a SendError saying why it did not go."""
        recipient = str(body.get("to"))
        try:
            answer = await self._post(
                f"{self.base}/{self.phone_number_id}/messages",
                lambda: {"json": body},
                lambda a: bool(a.get("messages")),
                f"send to …{recipient[-3:]}",
            )
        except Refused as refused:
            if refused.code == OUTSIDE_24_HOURS and self.fallback_template and body.get("type") != "template":
                logger.info("More than 24 hours since the citizen wrote: sending the template instead")
                # The language may come from the database: read it off the event loop.
                language = await asyncio.to_thread(self.fallback_language, recipient)
                return await self.send(template_body(recipient, self.fallback_template, language, []))
            raise
        return str(answer["messages"][0].get("id"))

    async def upload_image(self, path: Path, mime_type: str) -> str:
        """Uploads a photo Seva keeps (a proof of fix) to WhatsApp and gives its media id, to send it by."""
        data = await asyncio.to_thread(path.read_bytes)

        def form() -> Dict[str, Any]:
            payload = aiohttp.FormData()
            payload.add_field("messaging_product", "whatsapp")
            payload.add_field("type", mime_type)
            payload.add_field("file", data, filename=path.name, content_type=mime_type)
            return {"data": payload}

        answer = await self._post(
            f"{self.base}/{self.phone_number_id}/media", form, lambda a: bool(a.get("id")), f"upload of {path.name}"
        )
        return str(answer["id"])

    async def _post(
        self,
        url: str,
        request: Callable[[], Dict[str, Any]],
        succeeded: Callable[[Dict[str, Any]], bool],
        what: str,
    ) -> Dict[str, Any]:
        """The one way Seva calls the Graph API: throughput limits and passing trouble are retried with backoff,
        a timeout is never retried (it may have been done), anything else is refused."""
        reason = "no attempt"
        for attempt in range(1, self.attempts + 1):
            if attempt > 1:
                await self.sleep(self.backoff * 2 ** (attempt - 2))
            try:
                async with aiohttp.ClientSession(timeout=self.timeout) as session:
                    async with session.post(url, headers=self.headers, **request()) as response:
                        status = response.status
                        answer = await _json(response)
            except asyncio.TimeoutError:
                logger.error("WhatsApp %s timed out; not retried", what)
                raise MaybeSent(f"no answer within {self.timeout.total} s") from None
            except aiohttp.ClientConnectionError as error:
                reason = f"could not connect ({error})"
                logger.warning("WhatsApp %s: %s, attempt %d", what, reason, attempt)
                continue
            answer = answer if isinstance(answer, dict) else {}
            if status < 300 and succeeded(answer):
                return answer
            problem = answer.get("error")
            problem = problem if isinstance(problem, dict) else {}
            code = problem.get("code")
            reason = f"{status} {code or ''} {problem.get('message') or ''}".strip()
            if code in RETRIED_CODES or status == 429 or (status >= 500 and code is None):
                logger.warning("WhatsApp %s: %s, attempt %d", what, reason, attempt)
                continue
            logger.error("WhatsApp refused the %s: %s (fbtrace %s)", what, reason, problem.get("fbtrace_id"))
            raise Refused(reason, code)
        logger.error("WhatsApp %s gave up after %d attempts: %s", what, self.attempts, reason)
        raise Unavailable(reason)

    async def save_image(self, media_id: str, media_dir: Path) -> SavedMedia:
        """Downloads a photo the citizen sent and keeps it, whole, under `media_dir`, named by its content hash.

        Raises MediaRejected for what is not a photo Seva keeps, MediaUnavailable when it cannot be had."""
        if not MEDIA_ID.fullmatch(media_id):
            raise MediaRejected(f"media id {media_id[:40]!r}")
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                async with session.get(f"{self.base}/{media_id}", headers=self.headers) as response:
                    if response.status != 200:
                        raise MediaUnavailable(f"metadata answered {response.status}")
                    info = await _json(response)
                url = info.get("url") if isinstance(info, dict) else None
                if not isinstance(url, str) or not url.startswith(("https://", "http://")):
                    raise MediaUnavailable("metadata without the file's address")
                async with session.get(url, headers=self.headers) as response:
                    if response.status != 200:
                        raise MediaUnavailable(f"file answered {response.status}")
                    data = await _read_at_most(response, MAX_IMAGE_BYTES)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise MediaUnavailable(f"{type(error).__name__}: {error}") from None
        try:
            return keep_image(data, media_dir)
        except NotAPhoto as reason:
            raise MediaRejected(str(reason)) from None


async def _read_at_most(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The whole body, however it comes (chunked, or with a length that lies), refused beyond `limit` bytes."""
    data = bytearray()
    async for chunk in response.content.iter_chunked(64 * 1024):
        data.extend(chunk)
        if len(data) > limit:
            raise MediaRejected(f"more than {limit} bytes")
    return bytes(data)


async def _json(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        return {}
