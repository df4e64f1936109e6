"""Webhook notifications in the format of Meta's WhatsApp Cloud API documentation, for every message type."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from typing import Any, Dict, Optional, Sequence

PHONE_NUMBER_ID = "106540352242922"
_ids = itertools.count(1)


def new_id() -> str:
    return f"wamid.HBgLOTE5ODc2NTQzMjEwFQIAEhgg{next(_ids):010d}"


def envelope(
    messages: Sequence[Dict[str, Any]] = (),
    statuses: Sequence[Dict[str, Any]] = (),
    errors: Sequence[Dict[str, Any]] = (),
    name: str = "Harpreet",
) -> Dict[str, Any]:
    value: Dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
    }
    if messages:
        value["contacts"] = [{"profile": {"name": name}, "wa_id": m["from"]} for m in messages]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    if errors:
        value["errors"] = list(errors)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


def _message(sender: str, kind: str, content: Dict[str, Any], message_id: Optional[str] = None) -> Dict[str, Any]:
    return {"from": sender, "id": message_id or new_id(), "timestamp": "1732790000", "type": kind, kind: content}


def text(sender: str, body: str, message_id: Optional[str] = None) -> Dict[str, Any]:
    return _message(sender, "text", {"body": body}, message_id)


def image(sender: str, media_id: str, caption: Optional[str] = None) -> Dict[str, Any]:
    content = {"mime_type": "image/jpeg", "sha256": "Oy1x4ys2AFBpDiW8IHqaKXJmKmPfdK6ODfeWUBhVZ4s=", "id": media_id}
    if caption:
        content["caption"] = caption
    return _message(sender, "image", content)


def location(sender: str, latitude: float, longitude: float) -> Dict[str, Any]:
    return _message(sender, "location", {"latitude": latitude, "longitude": longitude, "name": "", "address": ""})


def button_reply(sender: str, reply_id: str, title: str) -> Dict[str, Any]:
    message = _message(
        sender, "interactive", {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}}
    )
    message["context"] = {"from": "15550783881", "id": new_id()}
    return message


def list_reply(sender: str, reply_id: str, title: str) -> Dict[str, Any]:
    return _message(
        sender, "interactive", {"type": "list_reply", "list_reply": {"id": reply_id, "title": title, "description": ""}}
    )


def template_button(sender: str, payload: str, label: str) -> Dict[str, Any]:
    return _message(sender, "button", {"payload": payload, "text": label})


def audio(sender: str) -> Dict[str, Any]:
    return _message(
        sender, "audio", {"mime_type": "audio/ogg; codecs=opus", "sha256": "x", "id": "9123", "voice": True}
    )


def video(sender: str) -> Dict[str, Any]:
    return _message(sender, "video", {"mime_type": "video/mp4", "sha256": "x", "id": "9124"})


def document(sender: str) -> Dict[str, Any]:
    return _message(
        sender, "document", {"mime_type": "application/pdf", "sha256": "x", "id": "9125", "filename": "bill.pdf"}
    )


def sticker(sender: str) -> Dict[str, Any]:
    return _message(sender, "sticker", {"mime_type": "image/webp", "sha256": "x", "id": "9126", "animated": False})


def reaction(sender: str) -> Dict[str, Any]:
    return _message(sender, "reaction", {"message_id": new_id(), "emoji": "👍"})


def unsupported(sender: str) -> Dict[str, Any]:
    message = {
        "from": sender,
        "id": new_id(),
        "timestamp": "1732790000",
        "type": "unsupported",
        "errors": [{"code": 131051, "title": "Message type unknown"}],
    }
    return message


def status(recipient: str, state: str = "delivered") -> Dict[str, Any]:
    return {
        "id": new_id(),
        "status": state,
        "timestamp": "1732790001",
        "recipient_id": recipient,
        "conversation": {"id": "c1", "origin": {"type": "service"}},
        "pricing": {"billable": True},
    }


def value_error() -> Dict[str, Any]:
    return {"code": 131014, "title": "Request for url https://URL.jpg failed with error: 404 (Not Found)"}


def signed(body: Any, secret: str) -> Dict[str, Any]:
    """The raw body and the headers Meta sends with it."""
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return {"data": raw, "headers": {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={signature}"}}
