"""How fast one citizen may write: a sliding window of a minute per sender, kept in the memory of the process
that takes the messages in (each replica counts its own)."""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta, timezone
from typing import Deque, Dict, Optional

WINDOW = timedelta(minutes=1)


class Throttle:
    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._seen: Dict[str, Deque[datetime]] = {}
        self._warned: Dict[str, datetime] = {}
        self._lock = threading.Lock()

    def allow(self, sender: str, now: Optional[datetime] = None) -> bool:
        """Whether this message of the sender is within their allowance (it counts only if it is)."""
        now = now or datetime.now(timezone.utc)
        with self._lock:
            recent = self._seen.setdefault(sender, deque())
            while recent and now - recent[0] >= WINDOW:
                recent.popleft()
            if len(recent) >= self.per_minute:
                return False
            recent.append(now)
            self._forget_quiet(now)
            return True

    def first_refusal(self, sender: str, now: Optional[datetime] = None) -> bool:
        """Whether a refused message is the first of this window, the one the citizen is told about."""
        now = now or datetime.now(timezone.utc)
        with self._lock:
            warned = self._warned.get(sender)
            if warned is not None and now - warned < WINDOW:
                return False
            self._warned[sender] = now
            return True

    def _forget_quiet(self, now: datetime) -> None:
        # Senders quiet for a whole window are dropped, so the memory holds only the last minute's writers.
        if len(self._seen) > 10_000:
            for sender in [s for s, times in self._seen.items() if not times or now - times[-1] >= WINDOW]:
                del self._seen[sender]
                self._warned.pop(sender, None)
