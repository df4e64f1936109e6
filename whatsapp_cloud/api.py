"""The WhatsApp Cloud API (Meta's Graph API), as Seva uses it: sending messages, fetching media."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional

import aiohttp

from seva.settings import WhatsAppSettings
from whatsapp_cloud.messages import template_body

logger = logging.getLogger(__name__)

API_VERSION = "v21.0"
# Throughput limits and passing trouble: worth waiting for. Decided by the Graph API's error code (4: the app's
# call rate, 80007: the business account's, 130429 and 131056: messaging throughput, 131000 and 133004: WhatsApp's
# own trouble), else by the HTTP status (429, and 5xx without a code).
RETRIED_CODES = frozenset({4, 80007, 130429, 131056, 131000, 133004})
OUTSIDE_24_HOURS = 131047
IMAGE_TYPES = {"image/jpeg": ".jpg", "image/png": ".png"}
IMAGE_MAGIC = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
# Graph API media ids are digits; anything else would be a path into the Graph API.
MEDIA_ID = re.compile(r"[0-9]{1,40}")
MAX_IMAGE_BYTES = 5 * 1024 * 1024


class SendError(Exception):
    """WhatsApp did not take a message. `transient` failures (rate limits, outages) may be tried again later."""

    transient = False


class Unavailable(SendError):
    """Rate-limited or down for longer than this call kept trying; the message did not go out."""

    transient = True


class Refused(SendError):
    """WhatsApp refused the message (an invalid recipient or body, a template it does not know): do not retry."""


class MaybeSent(SendError):
    """No answer in time: the message may have gone out, so sending it again could deliver it twice."""


class MediaRejected(Exception):
    """A photo that is not a JPEG or PNG (by its bytes, whatever it is labelled), or bigger than WhatsApp allows."""


class MediaUnavailable(Exception):
    """A photo the Graph API would not give: its metadata or file failed, was slow, or had no address."""


@dataclass
class SavedMedia:
    uri: str
    mime_type: str
    sha256: str
    size: int


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
        url = f"{self.base}/{self.phone_number_id}/messages"
        recipient = body.get("to")
        reason = "no attempt"
        for attempt in range(1, self.attempts + 1):
            if attempt > 1:
                await self.sleep(self.backoff * 2 ** (attempt - 2))
            try:
                async with aiohttp.ClientSession(timeout=self.timeout) as session:
                    async with session.post(url, json=body, headers=self.headers) as response:
                        status = response.status
                        answer = await _json(response)
            except asyncio.TimeoutError:
                logger.error("WhatsApp send to %s timed out; not retried", recipient)
                raise MaybeSent(f"no answer within {self.timeout.total} s") from None
            except aiohttp.ClientConnectionError as error:
                reason = f"could not connect ({error})"
                logger.warning("WhatsApp send to %s: %s, attempt %d", recipient, reason, attempt)
                continue
            messages = answer.get("messages") if isinstance(answer, dict) else None
            if status < 300 and messages:
                return str(messages[0].get("id"))
            problem = answer.get("error") if isinstance(answer, dict) else None
            problem = problem if isinstance(problem, dict) else {}
            code = problem.get("code")
            reason = f"{status} {code or ''} {problem.get('message') or ''}".strip()
            if code in RETRIED_CODES or status == 429 or (status >= 500 and code is None):
                logger.warning("WhatsApp send to %s: %s, attempt %d", recipient, reason, attempt)
                continue
            if code == OUTSIDE_24_HOURS and self.fallback_template and body.get("type") != "template":
                logger.info("More than 24 hours since %s wrote: sending the template instead", recipient)
                # The language may come from the database: read it off the event loop.
                language = await asyncio.to_thread(self.fallback_language, str(recipient))
                return await self.send(template_body(str(recipient), self.fallback_template, language, []))
            logger.error(
                "WhatsApp refused a message to %s: %s (fbtrace %s)", recipient, reason, problem.get("fbtrace_id")
            )
            raise Refused(reason)
        logger.error("WhatsApp send to %s gave up after %d attempts: %s", recipient, self.attempts, reason)
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
        mime_type = _image_type(data)
        digest = hashlib.sha256(data).hexdigest()
        path = media_dir / digest[:2] / f"{digest}{IMAGE_TYPES[mime_type]}"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".part")
            partial.write_bytes(data)
            partial.replace(path)
        return SavedMedia(str(path), mime_type, digest, len(data))


async def _read_at_most(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The whole body, however it comes (chunked, or with a length that lies), refused beyond `limit` bytes."""
    data = bytearray()
    async for chunk in response.content.iter_chunked(64 * 1024):
        data.extend(chunk)
        if len(data) > limit:
            raise MediaRejected(f"more than {limit} bytes")
    return bytes(data)


def _image_type(data: bytes) -> str:
    """The photo's type read from its first bytes: what it says it is does not count."""
    for mime_type, magic in IMAGE_MAGIC.items():
        if data.startswith(magic):
            return mime_type
    raise MediaRejected(f"not a JPEG or PNG (starts {data[:8]!r})")


async def _json(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        return {}
