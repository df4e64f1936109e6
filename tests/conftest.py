"""Shared fixtures: real databases (a SQLite file and a schema of the machine's PostgreSQL), the trained model,
and trackers built the way Rasa hands them to the action server."""
from __future__ import annotations

import os
import re
import subprocess
import unicodedata
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from sqlalchemy import create_engine, text

from actions.catalogue import load_catalogue
from actions.complaints import Complaints
from actions.db import Database

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "seva.tar.gz"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
# Nothing listens on port 1: a database that is down.
DOWN_DATABASE_URL = "postgresql://postgres@127.0.0.1:1/seva?connect_timeout=2"


SCRIPTS = {"en": "LATIN", "hi": "DEVANAGARI", "pa": "GURMUKHI"}
# Latin letters allowed in a reply of any language: placeholders, complaint numbers, the words a citizen types,
# the "English" button (a language named in its own script), our name, file formats.
LATIN_ANYWHERE = re.compile(r"\{\w+\}|\bPB-PGR-[\d-]+|\bPB-PGR\b|\b(mseva|menu|stop|yes|English|Seva|JPEG|PNG|MB)\b")


def letters_scripts(text: str) -> set:
    """The scripts of the letters of a reply, leaving out what stays in Latin letters in every language."""
    text = LATIN_ANYWHERE.sub(" ", text)
    return {unicodedata.name(ch).split()[0] for ch in text if ch.isalpha()}


def postgres_schema_url(schema: str) -> str:
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


@contextmanager
def a_postgres_schema(prefix: str = "seva_test") -> Iterator[str]:
    """A schema of its own in the machine's PostgreSQL, dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, future=True)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str]:
    with a_postgres_schema() as schema:
        yield schema


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path, postgres_schema) -> Iterator[Database]:
    """An empty database of each kind Seva runs on."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'seva.db'}")
    else:
        db = Database(postgres_schema_url(postgres_schema))
        with db.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{postgres_schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{postgres_schema}"'))
    yield db
    db.dispose()


@pytest.fixture
def complaints(database) -> Complaints:
    return Complaints(database, load_catalogue())


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    with (ROOT / "domain.yml").open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model `make train` builds; trained here if it is missing (running pytest on its own)."""
    if not MODEL.exists():
        subprocess.run(["make", "train"], cwd=ROOT, check=True)
    return MODEL


def tracker(
    text: str = "",
    intent: Optional[str] = None,
    entities: Optional[List[Dict[str, Any]]] = None,
    slots: Optional[Dict[str, Any]] = None,
    new_slots: Optional[Dict[str, Any]] = None,
    metadata: Optional[Dict[str, Any]] = None,
    sender_id: str = "citizen-1",
    active_loop: Optional[str] = None,
    earlier_events: Optional[List[Dict[str, Any]]] = None,
) -> Tracker:
    """A tracker as the action server receives it: `slots` were set before the latest message,
    `new_slots` were extracted from it (and are what a form validates)."""
    slots = {"language": "en", **(slots or {})}
    new_slots = new_slots or {}
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0} if intent else {},
        "entities": [{"start": 0, "end": 0, **e} for e in entities or []],
        "metadata": metadata or {},
    }
    events = list(earlier_events or [])
    events += [{"event": "slot", "name": name, "value": value} for name, value in slots.items()]
    events.append({"event": "user", "text": text, "parse_data": parse, "input_channel": "rest"})
    events += [{"event": "slot", "name": name, "value": value} for name, value in new_slots.items()]
    return Tracker(
        sender_id=sender_id,
        slots={**slots, **new_slots},
        latest_message=parse,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


WHATSAPP = {
    "WHATSAPP_APP_SECRET": "test-app-secret",
    "WHATSAPP_VERIFY_TOKEN": "test-verify-token",
    "WHATSAPP_ACCESS_TOKEN": "test-access-token",
    "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
    "WHATSAPP_MISSED_CALL_TOKEN": "test-missed-call-token",
    "WHATSAPP_MISSED_CALL_TEMPLATE": "seva_welcome",
    "WHATSAPP_SEND_BACKOFF_SECONDS": "0.05",
}


@pytest.fixture(scope="session")
def graph_api():
    """The stand-in for Meta's Graph API that the running Seva talks to."""
    from tests.graph_api import StandInGraphApi

    stand_in = StandInGraphApi().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="session")
def servers(trained_model, postgres_schema, graph_api, tmp_path_factory):
    """Seva as deployed: `rasa run` with the REST and WhatsApp channels, conversations in PostgreSQL, locks in
    Redis, and the action server filing into PostgreSQL. Started once for all full-stack tests."""
    from tests.servers import Servers

    env = {
        "DATABASE_URL": postgres_schema_url(postgres_schema),
        "TRACKER_DB_HOST": "127.0.0.1",
        "TRACKER_DB_PORT": "5432",
        "TRACKER_DB_NAME": POSTGRES_URL.rsplit("/", 1)[-1],
        "TRACKER_DB_USER": "postgres",
        "TRACKER_DB_PASSWORD": "",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379",
        "REDIS_DB": "0",
        "WHATSAPP_API_BASE_URL": graph_api.url,
        "MEDIA_DIR": str(tmp_path_factory.mktemp("media")),
        **WHATSAPP,
    }
    running = Servers(trained_model, env, ROOT / "endpoints.production.yml", tmp_path_factory.mktemp("logs")).start()
    running.media_dir = env["MEDIA_DIR"]
    yield running
    running.stop()
