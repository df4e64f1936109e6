"""Rasa's SQL tracker store, with the conversations most recently active kept in memory between their messages.

Rasa's own store reads a citizen's whole conversation session from the database for every message, turns each event
back into an object, and counts the stored events again before it saves: a quarter of Seva's time per message
(`make profile`). This one keeps the events it read or saved and asks the database only what changed since: the
events written after the last one it knows (by another replica, which the lock store lets handle the citizen in
between), and how many of the earlier ones are still there (an erasure or the retention's pruning deletes some: then
it reads the conversation again). It reads and writes Rasa's own table the way Rasa does, so it takes the place of
`type: SQL` in endpoints.yml with the same settings, and replicas with either store can share a database.
"""

from __future__ import annotations

import itertools
import json
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import func, insert, select

CACHED_CONVERSATIONS = 1000


@dataclass
class _Known:
    """What the store knows of one conversation, as the database has it."""

    # The events of the latest session, in the order of their ids (Rasa's `retrieve`).
    events: List[Event]
    # The highest id among the conversation's rows, and how many rows (of every session) have an id up to it.
    last_id: int
    rows: int
    # The tracker last handed out, and how many of its events were stored then: saving it writes only the rest.
    tracker: Optional[weakref.ref] = None
    handed: int = 0


class CachingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, cached_conversations: int = CACHED_CONVERSATIONS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cached_conversations = int(cached_conversations)
        self._known: OrderedDict[str, _Known] = OrderedDict()

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        with self.session_scope() as session:
            known = self._refreshed(session, sender_id)
        if known is None or not known.events or not self.domain:
            return None
        tracker = DialogueStateTracker.from_events(sender_id, list(known.events), self.domain.slots)
        known.tracker, known.handed = weakref.ref(tracker), len(tracker.events)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        known = self._known.get(sender_id)
        ours = known is not None and known.tracker is not None and known.tracker() is tracker
        with self.session_scope() as session:
            stored = known.handed if known is not None and ours else self._stored_in_session(session, sender_id)
            new = list(itertools.islice(tracker.events, stored, None))
            last_id = None
            if new:
                # One statement for the message's events (the ORM would send one each).
                table = self.SQLEvent.__table__
                session.execute(insert(table).values([_row(sender_id, event) for event in new]))
                # The lock store lets no one else write this conversation meanwhile: the highest id is ours.
                last_id = session.execute(
                    select(func.max(table.c.id)).where(table.c.sender_id == sender_id)
                ).scalar_one()
            session.commit()
        if known is not None and ours:
            self._add(known, new, last_id)
            known.handed = len(tracker.events)
        elif stored == 0 and last_id is not None:
            # A conversation new to the database: what it holds now is all there is.
            self._remember(sender_id, _Known(_latest_session(new), last_id, len(new), weakref.ref(tracker), len(new)))
        else:
            self.forget(sender_id)

    def forget(self, sender_id: str) -> None:
        """Drops what is known of a conversation (erased): the next message reads it from the database."""
        self._known.pop(sender_id, None)

    def _refreshed(self, session: Any, sender_id: str) -> Optional[_Known]:
        known = self._known.get(sender_id)
        if known is None:
            return self._read(session, sender_id)
        table = self.SQLEvent.__table__
        earlier = session.execute(
            select(func.count()).select_from(table).where(table.c.sender_id == sender_id, table.c.id <= known.last_id)
        ).scalar_one()
        if earlier != known.rows:
            return self._read(session, sender_id)
        later = session.execute(
            select(table.c.id, table.c.data)
            .where(table.c.sender_id == sender_id, table.c.id > known.last_id)
            .order_by(table.c.id)
        ).all()
        if later:
            self._add(known, deserialise_events([json.loads(row.data) for row in later]), later[-1].id, len(later))
        self._known.move_to_end(sender_id)
        return known

    def _read(self, session: Any, sender_id: str) -> Optional[_Known]:
        """The conversation as Rasa's own store reads it."""
        self.forget(sender_id)
        table = self.SQLEvent.__table__
        # Counted first: a deletion after this is seen in the next message's count.
        rows, last_id = session.execute(
            select(func.count(), func.max(table.c.id)).where(table.c.sender_id == sender_id)
        ).one()
        if not rows:
            return None
        events = deserialise_events(
            [
                json.loads(row.data)
                for row in self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
            ]
        )
        return self._remember(sender_id, _Known(events, last_id, rows))

    def _remember(self, sender_id: str, known: _Known) -> _Known:
        self._known[sender_id] = known
        while len(self._known) > self.cached_conversations:
            self._known.popitem(last=False)
        return known

    @staticmethod
    def _add(known: _Known, events: List[Event], last_id: Optional[int], rows: Optional[int] = None) -> None:
        """Adds events stored after those known, the last with the id `last_id`, in `rows` rows (one each)."""
        if last_id is None:
            return
        known.events = _latest_session(known.events + events)
        known.last_id, known.rows = last_id, known.rows + (len(events) if rows is None else rows)

    def _stored_in_session(self, session: Any, sender_id: str) -> int:
        """How many events of the latest session are stored (Rasa's own count)."""
        return int(self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count())


def _row(sender_id: str, event: Event) -> Dict[str, Any]:
    """The row Rasa's own store writes for an event."""
    data = event.as_dict()
    return dict(
        sender_id=sender_id,
        type_name=event.type_name,
        timestamp=data.get("timestamp"),
        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        action_name=data.get("name"),
        data=json.dumps(data),
    )


def _latest_session(events: Iterable[Event]) -> List[Event]:
    """The events from the latest session start on, chosen as Rasa's query chooses them (by timestamp)."""
    events = list(events)
    starts = [e.timestamp for e in events if e.type_name == SessionStarted.type_name]
    if not starts:
        return events
    start = max(starts)
    return [e for e in events if e.timestamp is not None and e.timestamp >= start]
