"""The WhatsApp Cloud API (Meta's Graph API), as Seva uses it: sending messages, fetching media."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional

import aiohttp

from seva.settings import WhatsAppSettings
from whatsapp_cloud.messages import template_body

logger = logging.getLogger(__name__)

API_VERSION = "v21.0"
# Throughput limits: worth waiting for. Decided by the Graph API's error code, not the HTTP status.
RETRIED_CODES = frozenset({130429, 131056})
OUTSIDE_24_HOURS = 131047
IMAGE_TYPES = {"image/jpeg": ".jpg", "image/png": ".png"}
MAX_IMAGE_BYTES = 5 * 1024 * 1024


class MediaRejected(Exception):
    """A photo that is not a JPEG or PNG, or bigger than WhatsApp allows."""


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

    async def send(self, body: Dict[str, Any]) -> Optional[str]:
        """Sends one message; the WhatsApp message id, or None when it could not be sent (logged)."""
        url = f"{self.base}/{self.phone_number_id}/messages"
        for attempt in range(1, self.attempts + 1):
            try:
                async with aiohttp.ClientSession(timeout=self.timeout) as session:
                    async with session.post(url, json=body, headers=self.headers) as response:
                        status = response.status
                        answer = await _json(response)
            except asyncio.TimeoutError:
                # The message may have gone out: sending it again could deliver it twice.
                logger.error("WhatsApp send to %s timed out; not retried", body.get("to"))
                return None
            except aiohttp.ClientConnectionError as error:
                logger.warning("WhatsApp send to %s failed to connect (%s), attempt %d", body.get("to"), error, attempt)
                await self.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            messages = answer.get("messages") if isinstance(answer, dict) else None
            if status < 300 and messages:
                return messages[0].get("id")
            problem = answer.get("error", {}) if isinstance(answer, dict) else {}
            code = problem.get("code")
            if code in RETRIED_CODES or (status >= 500 and code is None):
                logger.warning(
                    "WhatsApp send to %s: %s (%s), retrying", body.get("to"), code or status, problem.get("message")
                )
                await self.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            if code == OUTSIDE_24_HOURS and self.fallback_template and body.get("type") != "template":
                logger.info("More than 24 hours since %s wrote: sending the template instead", body.get("to"))
                recipient = body["to"]
                # The language may come from the database: read it off the event loop.
                language = await asyncio.to_thread(self.fallback_language, recipient)
                return await self.send(template_body(recipient, self.fallback_template, language, []))
            logger.error(
                "WhatsApp refused a message to %s: %s %s (fbtrace %s)",
                body.get("to"),
                code or status,
                problem.get("message"),
                problem.get("fbtrace_id"),
            )
            return None
        logger.error("WhatsApp send to %s gave up after %d attempts", body.get("to"), self.attempts)
        return None

    async def save_image(self, media_id: str, media_dir: Path) -> SavedMedia:
        """Downloads a photo the citizen sent and keeps it under `media_dir`, named by its content hash."""
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            async with session.get(f"{self.base}/{media_id}", headers=self.headers) as response:
                response.raise_for_status()
                info = await response.json(content_type=None)
            mime_type = str(info.get("mime_type", "")).split(";")[0].strip()
            if mime_type not in IMAGE_TYPES:
                raise MediaRejected(f"type {mime_type!r}")
            if int(info.get("file_size") or 0) > MAX_IMAGE_BYTES:
                raise MediaRejected(f"{info.get('file_size')} bytes")
            async with session.get(info["url"], headers=self.headers) as response:
                response.raise_for_status()
                data = await response.content.read(MAX_IMAGE_BYTES + 1)
        if len(data) > MAX_IMAGE_BYTES:
            raise MediaRejected(f"more than {MAX_IMAGE_BYTES} bytes")
        digest = hashlib.sha256(data).hexdigest()
        path = media_dir / digest[:2] / f"{digest}{IMAGE_TYPES[mime_type]}"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".part")
            partial.write_bytes(data)
            partial.replace(path)
        return SavedMedia(str(path), mime_type, digest, len(data))


async def _json(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        return {}
