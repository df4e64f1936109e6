"""Reading WhatsApp Cloud API webhook notifications into plain values (no I/O, so it can be fuzzed)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

from seva.text import MAX_READ

# Message types Seva reads; everything else gets a polite "I can read text, photos and locations".
READABLE = frozenset({"text", "interactive", "button", "image", "location"})


class MalformedPayload(ValueError):
    """The body is not a WhatsApp notification (or not JSON at all)."""


def read_json(body: bytes) -> Any:
    """The body as JSON, strictly: UTF-8 only (json.loads would also take UTF-16), no NaN or Infinity, and not
    nested beyond what Python can read."""
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise MalformedPayload(f"not JSON ({type(error).__name__})") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@dataclass(frozen=True)
class Inbound:
    message_id: str
    sender: str
    kind: str  # the WhatsApp message type
    text: str = ""  # what Rasa is to read: typed text, a tapped button's id, a caption
    media_id: Optional[str] = None
    mime_type: Optional[str] = None
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    profile_name: Optional[str] = None

    @property
    def readable(self) -> bool:
        return self.kind in READABLE


@dataclass
class Notification:
    messages: List[Inbound] = field(default_factory=list)
    statuses: List[Dict[str, Any]] = field(default_factory=list)
    errors: List[Dict[str, Any]] = field(default_factory=list)
    # WhatsApp's own news about a citizen (their number changed): logged, never answered.
    system: List[Dict[str, Any]] = field(default_factory=list)


def parse_notification(body: Any) -> Notification:
    """Every message, status and error of every entry and change of a webhook notification."""
    if not isinstance(body, dict) or not isinstance(body.get("entry"), list):
        raise MalformedPayload("not a WhatsApp notification: no entry list")
    notification = Notification()
    for entry in body["entry"]:
        for change in _list(_dict(entry).get("changes")):
            value = _dict(_dict(change).get("value"))
            names = {
                str(c.get("wa_id")): _dict(c.get("profile")).get("name")
                for c in _list(value.get("contacts"))
                if isinstance(c, dict)
            }
            for message in _list(value.get("messages")):
                if isinstance(message, dict) and message.get("type") == "system":
                    notification.system.append(message)
                    continue
                parsed = _message(message, names)
                if parsed:
                    notification.messages.append(parsed)
            notification.statuses.extend(s for s in _list(value.get("statuses")) if isinstance(s, dict))
            notification.errors.extend(e for e in _list(value.get("errors")) if isinstance(e, dict))
    return notification


def _message(message: Any, names: Dict[str, Any]) -> Optional[Inbound]:
    if not isinstance(message, dict):
        return None
    message_id, sender, kind = message.get("id"), message.get("from"), message.get("type")
    if not (isinstance(message_id, str) and isinstance(sender, str) and isinstance(kind, str)):
        return None
    base: Dict[str, Any] = dict(message_id=message_id, sender=sender, kind=kind, profile_name=names.get(sender))
    content = _dict(message.get(kind))
    if kind == "text":
        return Inbound(**base, text=_str(content.get("body"))[:MAX_READ])
    if kind == "interactive":
        reply_type = content.get("type")
        reply = _dict(content.get(reply_type) if isinstance(reply_type, str) else None)
        return Inbound(**base, text=_str(reply.get("id")) or _str(reply.get("title")))
    if kind == "button":
        return Inbound(**base, text=_str(content.get("payload")) or _str(content.get("text")))
    if kind == "image":
        return Inbound(
            **base,
            text=_str(content.get("caption")),
            media_id=_str(content.get("id")) or None,
            mime_type=_str(content.get("mime_type")) or None,
        )
    if kind == "location":
        latitude, longitude = _float(content.get("latitude")), _float(content.get("longitude"))
        if latitude is None or longitude is None:
            return Inbound(**{**base, "kind": "unsupported"})
        return Inbound(
            **base,
            text=_str(content.get("name")) or _str(content.get("address")),
            latitude=latitude,
            longitude=longitude,
        )
    return Inbound(**base)


def _dict(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> List[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _float(value: Any) -> Optional[float]:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def handed_on(messages: List[Inbound]) -> bytes:
    """The body in which the receiver hands messages it took in to a Rasa replica (`read_handed_on` reads it)."""
    return json.dumps({"messages": [asdict(m) for m in messages]}, ensure_ascii=False).encode("utf-8")


def read_handed_on(body: bytes) -> List[Inbound]:
    data = read_json(body)
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise MalformedPayload('not a hand-on: {"messages": [...]}')
    try:
        read = [Inbound(**m) for m in messages]
    except TypeError as error:
        raise MalformedPayload(f"not a message taken in ({error})") from None
    if not all(isinstance(m.message_id, str) and isinstance(m.sender, str) and isinstance(m.kind, str) for m in read):
        raise MalformedPayload("a message taken in has an id, a sender and a type")
    return read
