"""What a citizen's message is before anything is understood of it: how much of it is read, which characters are
kept, and the text that stands for a message that is only a photo or a pin (the channels send these; the forms
recognise them)."""

import unicodedata

# WhatsApp's own limit for a text message: a longer text (a 10 MB paste) is read up to here, so no message can
# hold up the assistant.
MAX_READ = 4096
PHOTO_TEXT = "📷"
LOCATION_TEXT = "📍"
_KEPT_CONTROLS = frozenset("\n\t")


def clean_text(text: str, limit: int = MAX_READ) -> str:
    """The text up to `limit` characters, without the characters no database or JSON encoder keeps: NUL and other
    control characters (new lines and tabs stay), and halves of surrogate pairs (replaced by U+FFFD)."""
    kept = []
    for ch in text[:limit]:
        category = unicodedata.category(ch)
        if category == "Cs":
            kept.append("\ufffd")
        elif category != "Cc" or ch in _KEPT_CONTROLS:
            kept.append(ch)
    return "".join(kept)
