"""Seva's tracker store answers as Rasa's SQL store does, on the same table, while reading only what changed: checked
against Rasa's own store on SQLite and on the machine's PostgreSQL, with a second replica writing in between, an
erasure, the retention's pruning, and a new session."""

import asyncio
import time
import uuid
from urllib.parse import urlparse

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core import events as rasa_events
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from connectors.conversations import _erase, _prune
from connectors.tracker_store import CachingSQLTrackerStore
from tests.helpers import POSTGRES_URL
from tests.servers import ROOT

DOMAIN = Domain.load(ROOT / "domain.yml")


def _postgres():
    url = urlparse(POSTGRES_URL)
    return dict(dialect="postgresql", host=url.hostname, port=url.port, db=url.path.lstrip("/"), username=url.username)


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path):
    if request.param == "sqlite":
        return dict(dialect="sqlite", db=str(tmp_path / "conversations.db"))
    return _postgres()


def run(coroutine):
    return asyncio.run(coroutine)


def a_citizen():
    return f"store-{uuid.uuid4().hex[:10]}"


def a_turn(text, language="en"):
    return [
        UserUttered(text, {"name": "greet", "confidence": 0.9}, parse_data={"text": text}),
        SlotSet("language", language),
        ActionExecuted("utter_greet"),
        BotUttered("hello"),
        ActionExecuted("action_listen"),
    ]


def said(tracker):
    return [e.as_dict() for e in tracker.events] if tracker is not None else None


def talk(store, sender, *texts):
    """One message after another, each as Rasa handles it: the tracker read, its events added, the tracker saved."""
    for text in texts:
        tracker = run(store.get_or_create_tracker(sender))
        for event in a_turn(text):
            tracker.update(event)
        run(store.save(tracker))


def test_a_conversation_reads_back_as_rasas_own_store_reads_it(settings):
    seva, rasa = CachingSQLTrackerStore(DOMAIN, **settings), SQLTrackerStore(DOMAIN, **settings)
    sender = a_citizen()
    talk(seva, sender, "hi", "streetlight broken", "yes")
    assert said(run(seva.retrieve(sender))) == said(run(rasa.retrieve(sender)))
    assert len(run(rasa.retrieve(sender)).events) == 1 + 3 * 5
    # Nothing was written twice.
    assert [e.as_dict() for e in run(rasa.retrieve_full_tracker(sender)).events] == said(run(rasa.retrieve(sender)))


def test_what_another_replica_wrote_in_between_is_read(settings):
    mine, other = CachingSQLTrackerStore(DOMAIN, **settings), CachingSQLTrackerStore(DOMAIN, **settings)
    rasa = SQLTrackerStore(DOMAIN, **settings)
    sender = a_citizen()
    talk(mine, sender, "hi")
    talk(other, sender, "garbage not collected")
    talk(rasa, sender, "in model town")
    talk(mine, sender, "yes")
    assert said(run(mine.retrieve(sender))) == said(run(rasa.retrieve(sender)))
    assert [e.text for e in run(mine.retrieve(sender)).events if isinstance(e, UserUttered)] == [
        "hi",
        "garbage not collected",
        "in model town",
        "yes",
    ]


def test_an_erased_conversation_is_gone_for_every_replica(settings):
    mine, other = CachingSQLTrackerStore(DOMAIN, **settings), CachingSQLTrackerStore(DOMAIN, **settings)
    sender = a_citizen()
    talk(mine, sender, "hi", "my number is 9876543210")
    talk(other, sender, "delete my data")
    _erase(other, sender)
    assert run(mine.retrieve(sender)) is None
    talk(mine, sender, "hello again")
    assert [e.text for e in run(other.retrieve(sender)).events if isinstance(e, UserUttered)] == ["hello again"]


def test_events_pruned_by_the_retention_are_not_read_again(settings):
    seva, rasa = CachingSQLTrackerStore(DOMAIN, **settings), SQLTrackerStore(DOMAIN, **settings)
    sender = a_citizen()
    talk(seva, sender, "old message")
    cut = time.time()
    time.sleep(0.01)
    talk(seva, sender, "new message")
    _prune(rasa, cut)
    assert said(run(seva.retrieve(sender))) == said(run(rasa.retrieve(sender)))
    assert "old message" not in str(said(run(seva.retrieve(sender))))


def test_a_new_session_is_read_from_its_start(settings):
    seva, rasa = CachingSQLTrackerStore(DOMAIN, **settings), SQLTrackerStore(DOMAIN, **settings)
    sender = a_citizen()
    talk(seva, sender, "first session")
    tracker = run(seva.retrieve(sender))
    time.sleep(0.01)
    for event in [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]:
        tracker.update(event)
    for event in a_turn("second session", "pa"):
        tracker.update(event)
    run(seva.save(tracker))
    assert said(run(seva.retrieve(sender))) == said(run(rasa.retrieve(sender)))
    assert "first session" not in str(said(run(seva.retrieve(sender))))
    # A store that never saw the first session reads the same.
    assert said(run(CachingSQLTrackerStore(DOMAIN, **settings).retrieve(sender))) == said(run(rasa.retrieve(sender)))


def test_a_tracker_it_did_not_hand_out_is_saved_as_rasa_saves_it(settings):
    seva, rasa = CachingSQLTrackerStore(DOMAIN, **settings), SQLTrackerStore(DOMAIN, **settings)
    sender = a_citizen()
    talk(seva, sender, "hi")
    tracker = run(rasa.retrieve(sender))
    for event in a_turn("from elsewhere"):
        tracker.update(event)
    run(seva.save(tracker))
    assert said(run(seva.retrieve(sender))) == said(run(rasa.retrieve(sender)))
    assert len(run(rasa.retrieve_full_tracker(sender)).events) == 1 + 2 * 5


def test_the_next_message_reads_no_stored_event_again(settings, monkeypatch):
    seva = CachingSQLTrackerStore(DOMAIN, **settings)
    sender = a_citizen()
    talk(seva, sender, "hi", "streetlight broken")
    read = []
    real = rasa_events.Event.from_parameters
    monkeypatch.setattr(
        rasa_events.Event, "from_parameters", lambda parameters: read.append(parameters) or real(parameters)
    )
    talk(seva, sender, "yes")
    assert read == []


def test_it_keeps_only_the_conversations_most_recently_active(settings):
    seva = CachingSQLTrackerStore(DOMAIN, cached_conversations=2, **settings)
    senders = [a_citizen() for _ in range(3)]
    for sender in senders:
        talk(seva, sender, "hi")
    assert list(seva._known) == senders[1:]
    assert said(run(seva.retrieve(senders[0])))[-1]["event"] == "action"
