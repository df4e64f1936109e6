"""The conversations Rasa keeps, read where the endpoints file in use says it keeps them: Rasa's SQL tracker store
(SQLite under var/ by default, PostgreSQL in production). Each is the list of its events, as Rasa stores them."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import yaml
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL

_VARIABLE = re.compile(r"\$\{([^}]+)\}")
# Rasa's SQL tracker store, and Seva's on the same table (connectors/tracker_store.py), by their `type` in lower case.
SQL_STORES = frozenset({"sql", "connectors.tracker_store.cachingsqltrackerstore"})


class NotKept(Exception):
    """The endpoints file keeps no conversations that can be read (no tracker store, or one in memory)."""


def tracker_store_url(endpoints: Path, environ: Optional[Mapping[str, str]] = None) -> str:
    """The database URL of the SQL tracker store of `endpoints`, its ${VARIABLES} read as Rasa reads them."""
    environ = os.environ if environ is None else environ
    config = yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}
    written = config.get("tracker_store") or {}
    missing = sorted(
        {name for value in written.values() for name in _VARIABLE.findall(str(value)) if name not in environ}
    )
    store = {key: _VARIABLE.sub(lambda m: environ.get(m.group(1), ""), str(value)) for key, value in written.items()}
    if str(store.get("type", "")).lower() not in SQL_STORES:
        raise NotKept(f"{endpoints} keeps conversations in memory only: set a SQL tracker_store to review them")
    dialect = store.get("dialect") or "sqlite"
    if dialect == "sqlite":
        return f"sqlite:///{store.get('db') or 'rasa.db'}"
    if missing:
        raise NotKept(f"{endpoints} needs {', '.join(missing)} in the environment")
    return str(
        URL.create(
            dialect,
            username=store.get("username") or None,
            password=store.get("password") or None,
            host=store.get("url") or None,
            port=int(store["port"]) if store.get("port") else None,
            database=store.get("db") or None,
            query=store.get("query") or {},
        )
    )


def conversations(url: str, since: Optional[float] = None) -> Dict[str, List[Dict[str, Any]]]:
    """Every conversation's events, oldest first; with `since` (a Unix time), the events from then on."""
    engine = create_engine(url)
    try:
        if not inspect(engine).has_table("events"):
            return {}
        query = "SELECT sender_id, data FROM events"
        query += " WHERE timestamp >= :since ORDER BY id" if since is not None else " ORDER BY id"
        found: Dict[str, List[Dict[str, Any]]] = {}
        with engine.connect() as connection:
            for sender_id, data in connection.execute(text(query), {"since": since}):
                found.setdefault(sender_id, []).append(json.loads(data))
        return found
    finally:
        engine.dispose()
