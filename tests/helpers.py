"""What the tests of every tier share: where things are, the machine's PostgreSQL, Seva's services on a database of
the test's choosing, trackers as the action server receives them, and a complaint draft."""

from __future__ import annotations

import os
import re
import unicodedata
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import yaml
from rasa_sdk import Tracker
from sqlalchemy import create_engine, text

from seva.bootstrap import Services, build
from seva.complaints import Draft
from seva.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "seva.tar.gz"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
# Nothing listens on port 1: a database that is down.
DOWN_DATABASE_URL = "postgresql://postgres@127.0.0.1:1/seva?connect_timeout=2"


SCRIPTS = {"en": "LATIN", "hi": "DEVANAGARI", "pa": "GURMUKHI"}
# Latin letters allowed in a reply of any language: placeholders, complaint numbers, the words a citizen types,
# the "English" button (a language named in its own script), our name, file formats, web addresses, and PSPCL as
# its bills print it.
LATIN_ANYWHERE = re.compile(
    r"\{\w+\}|\bPB-PGR-[\d-]+|\bPB-PGR\b|\b[\w-]+(\.[\w-]+)*\.gov\.in\b"
    r"|\b(mseva|menu|stop|yes|English|Seva|JPEG|PNG|MB|PSPCL)\b"
)


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


def services_on(url: str, media_dir: Path = Settings.media_dir) -> Services:
    """Seva's services over the database at `url`, built the way every process builds them."""
    return build(Settings(database_url=url, media_dir=media_dir))


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
    parsed: Optional[Dict[str, Any]] = None,
) -> Tracker:
    """A tracker as the action server receives it: `slots` were set before the latest message,
    `new_slots` were extracted from it (and are what a form validates); `parsed` is more of what the NLU said of
    the latest message (e.g. `complaint_type_also`)."""
    slots = {"language": "en", **(slots or {})}
    new_slots = new_slots or {}
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0} if intent else {},
        "entities": [{"start": 0, "end": 0, **e} for e in entities or []],
        "metadata": metadata or {},
        **(parsed or {}),
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


def production_env(schema: str, graph_url: str, media_dir: Path) -> Dict[str, str]:
    """The environment of Seva as deployed: its data in a PostgreSQL schema, conversations in PostgreSQL, locks in
    Redis, WhatsApp at `graph_url`."""
    return {
        "DATABASE_URL": postgres_schema_url(schema),
        "TRACKER_DB_HOST": "127.0.0.1",
        "TRACKER_DB_PORT": "5432",
        "TRACKER_DB_NAME": POSTGRES_URL.rsplit("/", 1)[-1],
        "TRACKER_DB_USER": "postgres",
        "TRACKER_DB_PASSWORD": "",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379",
        "REDIS_DB": "0",
        "WHATSAPP_API_BASE_URL": graph_url,
        "MEDIA_DIR": str(media_dir),
        **WHATSAPP,
    }


WHATSAPP = {
    "WHATSAPP_APP_SECRET": "test-app-secret",
    "WHATSAPP_VERIFY_TOKEN": "test-verify-token",
    "WHATSAPP_ACCESS_TOKEN": "test-access-token",
    "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
    "WHATSAPP_MISSED_CALL_TOKEN": "test-missed-call-token",
    "WHATSAPP_MISSED_CALL_TEMPLATE": "seva_welcome",
    "WHATSAPP_SEND_BACKOFF_SECONDS": "0.05",
}


def a_draft(**changes: Any) -> Draft:
    values: Dict[str, Any] = dict(
        service_code="StreetLightNotWorking",
        tenant_id="pb.jalandhar",
        description="the streetlight outside my house is dead since a week",
        locality_code="JLC373",
        locality_name="Model Town",
        latitude=31.3260,
        longitude=75.5762,
        photos=["https://example.org/light.jpg"],
    )
    values.update(changes)
    return Draft(**values)


def a_whatsapp_citizen(live: Services, prefix: str = "9198") -> str:
    """A new WhatsApp number that has agreed to the privacy notice, as every citizen of these tests has but those
    of the notice's own tests."""
    number = f"{prefix}{uuid.uuid4().int % 10**8:08d}"
    live.citizens.consent(number)
    return number


def a_slice_of_the_training_data(folder: Path, every: int) -> Path:
    """The training data of each cell with every `every`-th example of each intent: to train in seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        for block in content["nlu"]:
            if "examples" in block:
                block["examples"] = "\n".join(block["examples"].splitlines()[::every]) + "\n"
        (folder / path.name).write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return folder
