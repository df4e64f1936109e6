"""Rasa's REST channel, reading each message up to WhatsApp's limit of 4096 characters.

A longer message (a 10 MB paste) would otherwise travel whole through the tracker to the action server,
which refuses such a request, and the citizen would get silence instead of an answer.
"""

from __future__ import annotations

from typing import Optional, Text

from rasa.core.channels.rest import RestInput
from sanic.request import Request

from seva.text import MAX_READ


class BoundedRestInput(RestInput):
    def _extract_message(self, req: Request) -> Optional[Text]:
        text = super()._extract_message(req)
        return text[:MAX_READ] if isinstance(text, str) else text
