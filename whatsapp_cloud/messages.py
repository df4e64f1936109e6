"""Turning Rasa's messages into WhatsApp Cloud API message bodies, within WhatsApp's limits."""

from __future__ import annotations

import unicodedata
from typing import Any, Dict, List, Optional, Tuple

TEXT_LIMIT = 4096
BODY_LIMIT = 1024
BUTTON_TITLE_LIMIT = 20
ROW_TITLE_LIMIT = 24
ROW_DESCRIPTION_LIMIT = 72
LIST_LABEL_LIMIT = 20
MAX_BUTTONS = 3
MAX_ROWS = 10
# WhatsApp's codes of the languages templates are approved in, by Seva's language.
TEMPLATE_LANGUAGES = {"en": "en", "hi": "hi", "pa": "pa"}


def template_language(language: Optional[str]) -> str:
    return TEMPLATE_LANGUAGES.get(language or "en", "en")


def text_body(recipient: str, text: str) -> Dict[str, Any]:
    return _envelope(recipient, "text", {"text": {"body": text, "preview_url": False}})


def split_text(text: str, limit: int = TEXT_LIMIT) -> List[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, line or word boundary when there is one."""
    pieces = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut <= limit // 2:
            cut = _safe_cut(text, limit)
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text or not pieces:
        pieces.append(text)
    return pieces


def shorten(title: str, limit: int) -> str:
    """At most `limit` characters, cut between words where possible and never inside a letter's marks."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    room = limit - 1  # for the ellipsis
    cut = title.rfind(" ", 0, room + 1)
    if cut < room // 2:
        cut = _safe_cut(title, room)
    return title[:cut].rstrip() + "…"


def unique(titles: List[str], limit: int) -> List[str]:
    """Shortened titles, numbered where shortening made two of them alike."""
    short = [shorten(t, limit) for t in titles]
    seen: Dict[str, int] = {}
    for title in short:
        seen[title] = seen.get(title, 0) + 1
    result = []
    for i, title in enumerate(short):
        if seen[title] > 1:
            suffix = f" {i + 1}"
            title = shorten(titles[i], limit - len(suffix)) + suffix
        result.append(title)
    return result


def buttons_body(
    recipient: str, text: str, buttons: List[Dict[str, Any]]
) -> Tuple[List[Dict[str, Any]], Optional[List[str]]]:
    """(the message bodies to send, the payloads of numbered options when the choice went out as text).

    Up to 3 short buttons become reply buttons, up to 10 a list, more a numbered text the citizen answers
    with a number.
    """
    payloads = [str(b.get("payload") or b.get("title") or "") for b in buttons]
    titles = [str(b.get("title") or "") for b in buttons]
    if len(buttons) <= MAX_BUTTONS and all(len(t) <= BUTTON_TITLE_LIMIT for t in titles) and len(text) <= BODY_LIMIT:
        action: Dict[str, Any] = {
            "buttons": [
                {"type": "reply", "reply": {"id": payload[:256], "title": title}}
                for payload, title in zip(payloads, unique(titles, BUTTON_TITLE_LIMIT))
            ]
        }
        return [_interactive(recipient, "button", text, action)], None
    if len(buttons) <= MAX_ROWS and len(text) <= BODY_LIMIT and all(len(p) <= 200 for p in payloads):
        rows = []
        for payload, full, title in zip(payloads, titles, unique(titles, ROW_TITLE_LIMIT)):
            row: Dict[str, str] = {"id": payload, "title": title}
            if title != full:
                row["description"] = shorten(full, ROW_DESCRIPTION_LIMIT)
            rows.append(row)
        action = {"button": shorten(_list_label(text), LIST_LABEL_LIMIT), "sections": [{"rows": rows}]}
        return [_interactive(recipient, "list", text, action)], None
    numbered = text + "\n\n" + "\n".join(f"{i}. {title}" for i, title in enumerate(titles, start=1))
    return [text_body(recipient, piece) for piece in split_text(numbered)], payloads


def image_body(recipient: str, url: str = "", caption: str = "", media_id: str = "") -> Dict[str, Any]:
    """A photo by its public link, or by the id of one uploaded to WhatsApp."""
    image: Dict[str, Any] = {"id": media_id} if media_id else {"link": url}
    if caption:
        image["caption"] = caption[:BODY_LIMIT]
    return _envelope(recipient, "image", {"image": image})


def photo_with_words(
    recipient: str, media_id: str, text: str, buttons: List[Dict[str, Any]]
) -> Optional[Dict[str, Any]]:
    """One message of an uploaded photo with its words (as a caption, or above up to three reply buttons), or None
    when they do not fit in one."""
    if len(text) > BODY_LIMIT:
        return None
    if not buttons:
        return image_body(recipient, caption=text, media_id=media_id)
    bodies, numbered = buttons_body(recipient, text, buttons)
    if numbered is not None or bodies[0]["interactive"]["type"] != "button":
        return None
    bodies[0]["interactive"]["header"] = {"type": "image", "image": {"id": media_id}}
    return bodies[0]


def template_body(recipient: str, name: str, language: str, parameters: List[str]) -> Dict[str, Any]:
    template: Dict[str, Any] = {"name": name, "language": {"code": language}}
    if parameters:
        template["components"] = [{"type": "body", "parameters": [{"type": "text", "text": p} for p in parameters]}]
    return _envelope(recipient, "template", {"template": template})


def custom_body(recipient: str, custom: Dict[str, Any]) -> Dict[str, Any]:
    """A message body written by hand in a response's `custom` field, addressed to the recipient."""
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": recipient, **custom}


def _interactive(recipient: str, kind: str, text: str, action: Dict[str, Any]) -> Dict[str, Any]:
    return _envelope(
        recipient, "interactive", {"interactive": {"type": kind, "body": {"text": text or "…"}, "action": action}}
    )


def _envelope(recipient: str, kind: str, content: Dict[str, Any]) -> Dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": recipient, "type": kind, **content}


def _list_label(text: str) -> str:
    # The list's opening button repeats the first words of the question, in the citizen's language.
    first_line = text.strip().split("\n", 1)[0].rstrip("?:")
    return first_line or "…"


def _safe_cut(text: str, limit: int) -> int:
    """The largest index <= limit that does not separate a letter from its vowel signs, virama or nukta."""
    cut = max(1, min(limit, len(text)))
    while (
        cut > 1 and cut < len(text) and (unicodedata.category(text[cut]) in ("Mn", "Mc") or _is_virama(text[cut - 1]))
    ):
        cut -= 1
    return cut


def _is_virama(ch: str) -> bool:
    return "VIRAMA" in unicodedata.name(ch, "") or "HALANT" in unicodedata.name(ch, "")
