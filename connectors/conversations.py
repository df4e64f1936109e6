"""Where Rasa keeps conversations (its tracker store), kept to what the privacy notice says: a citizen's conversation
is erased once their "delete my data" is carried out, and every conversation's events go after
`CONVERSATION_DAYS`. Runs in each Rasa replica, beside the channel; the work is idempotent, so replicas may overlap.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Optional

from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore, SQLTrackerStore, TrackerStore
from sqlalchemy.exc import SQLAlchemyError

from connectors.tracker_store import CachingSQLTrackerStore
from seva.bootstrap import Services
from seva.masking import masked

logger = logging.getLogger(__name__)
ERASE_EVERY = 5.0
PRUNE_EVERY = 3600.0


def unwrapped(store: Any) -> Any:
    """The tracker store itself under Rasa's wrappers (AwaitableTrackerStore, FailSafeTrackerStore)."""
    while hasattr(store, "_tracker_store"):
        store = store._tracker_store
    return store


class ConversationKeeper:
    def __init__(
        self,
        services: Services,
        tracker_store: Callable[[], Optional[TrackerStore]],
        forget_channel: Iterable[Callable[[str], None]] = (),
    ):
        self.services = services
        self.erasure = services.erasure
        # Rasa loads its agent (and tracker store) after the server starts: asked for each time.
        self.tracker_store = tracker_store
        self.forget_channel = list(forget_channel)
        self.keep_seconds = services.settings.conversation_days * 86400
        self._pruned_at = float("-inf")

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.erase_due()
                if time.monotonic() - self._pruned_at >= PRUNE_EVERY:
                    self._pruned_at = time.monotonic()
                    await self.prune()
            except SQLAlchemyError:
                logger.exception("Could not erase or prune conversations; trying again later")
            try:
                await asyncio.wait_for(stop.wait(), timeout=ERASE_EVERY)
            except asyncio.TimeoutError:
                pass

    async def erase_due(self) -> int:
        """Erases the conversations of the citizens whose deletion was carried out; how many."""
        store = unwrapped(self.tracker_store())
        if store is None:
            return 0
        due = await asyncio.to_thread(self.erasure.conversations_to_erase)
        for sender_id in due:
            await asyncio.to_thread(_erase, store, sender_id)
            for forget in self.forget_channel:
                await asyncio.to_thread(forget, sender_id)
            await asyncio.to_thread(self.erasure.conversation_erased, sender_id)
            logger.info("The conversation of %s is erased, as they asked", masked(sender_id))
        return len(due)

    async def prune(self, now: Optional[float] = None) -> int:
        """Deletes conversation events older than the retention period, and the hand-overs ended before it."""
        now = time.time() if now is None else now
        store = unwrapped(self.tracker_store())
        pruned = await asyncio.to_thread(_prune, store, now - self.keep_seconds) if store is not None else 0
        handovers = await asyncio.to_thread(
            self.services.handovers.forget_before, datetime.fromtimestamp(now - self.keep_seconds, timezone.utc)
        )
        if pruned or handovers:
            logger.info("Retention: %d conversation events and %d hand-overs deleted", pruned, handovers)
        return pruned


def _erase(store: Any, sender_id: str) -> None:
    if isinstance(store, SQLTrackerStore):
        with store.session_scope() as session:
            session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender_id).delete()
            session.commit()
        if isinstance(store, CachingSQLTrackerStore):
            store.forget(sender_id)
    elif isinstance(store, InMemoryTrackerStore):
        store.store.pop(sender_id, None)
    elif isinstance(store, RedisTrackerStore):
        store.red.delete(store.key_prefix + sender_id)
    else:
        logger.error("Seva cannot erase a conversation kept in a %s: erase it there", type(store).__name__)


def _prune(store: Any, before: float) -> int:
    """Events older than `before` (a UNIX time) deleted; only the SQL store keeps events long enough to matter (the
    Redis store's keys expire on their own with `record_exp`)."""
    if not isinstance(store, SQLTrackerStore):
        return 0
    with store.session_scope() as session:
        deleted = session.query(store.SQLEvent).filter(store.SQLEvent.timestamp < before).delete()
        session.commit()
        return deleted
