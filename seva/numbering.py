"""Complaint numbers: PB-PGR-<filing date in India>-<serial of that day>, and finding one in what people type."""

from __future__ import annotations

import re
from datetime import date
from typing import Optional
from zoneinfo import ZoneInfo

# Complaint numbers carry the filing date as Punjab sees it.
LOCAL_TZ = ZoneInfo("Asia/Kolkata")
NUMBER_PATTERN = re.compile(r"\bPB-PGR-(\d{4})-(\d{2})-(\d{2})-(\d{6})\b", re.IGNORECASE)


def complaint_number(day: date, serial: int) -> str:
    return f"PB-PGR-{day:%Y-%m-%d}-{serial:06d}"


def canonical_number(text: str) -> Optional[str]:
    """The complaint number written in the text, upper-cased, or None."""
    match = NUMBER_PATTERN.search(text or "")
    return match.group(0).upper() if match else None
