"""Complaint numbers: PB-PGR-<filing date in India>-<serial of that day>, and finding one in what people type."""

from __future__ import annotations

import re
from datetime import date
from typing import Iterator, NamedTuple, Optional
from zoneinfo import ZoneInfo

# Complaint numbers carry the filing date as Punjab sees it.
LOCAL_TZ = ZoneInfo("Asia/Kolkata")
# The canonical form, as staff and URLs write it.
NUMBER_PATTERN = re.compile(r"\bPB-PGR-(\d{4})-(\d{2})-(\d{2})-(\d{6})\b", re.IGNORECASE)
# What people put between the parts, or nothing: "pb pgr 2026 11 02 123", "PBPGR20261102000123".
_GAP = r"[\s\-_./]*"
# Typed as people type it: any case, the prefix with or without "PB", or no prefix with the date and serial
# kept apart by dashes or slashes; the serial without its leading zeros; digits of any script (\d is Unicode).
_TYPED = re.compile(
    rf"(?<!\w)(?:(?:PB{_GAP})?PGR{_GAP}(?P<y>\d{{4}}){_GAP}(?P<m>\d\d?){_GAP}(?P<d>\d\d?){_GAP}(?P<n>\d{{1,6}})"
    rf"|(?P<y2>\d{{4}})[-/](?P<m2>\d\d?)[-/](?P<d2>\d\d?)[-/](?P<n2>\d{{1,6}}))(?!\w)",
    re.IGNORECASE,
)


class FoundNumber(NamedTuple):
    number: str
    start: int
    end: int


def complaint_number(day: date, serial: int) -> str:
    return f"PB-PGR-{day:%Y-%m-%d}-{serial:06d}"


def find_numbers(text: str) -> Iterator[FoundNumber]:
    """Each complaint number written in the text, in its canonical form, with where it was written."""
    for match in _TYPED.finditer(text or ""):
        year, month, day, serial = (int(match.group(g) or match.group(g + "2")) for g in ("y", "m", "d", "n"))
        if 2000 <= year < 2100 and 1 <= month <= 12 and 1 <= day <= 31 and serial > 0:
            yield FoundNumber(f"PB-PGR-{year:04d}-{month:02d}-{day:02d}-{serial:06d}", match.start(), match.end())


def canonical_number(text: str) -> Optional[str]:
    """The complaint number written in the text, in its canonical form, or None."""
    return next((found.number for found in find_numbers(text)), None)
