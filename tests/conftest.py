"""Fixtures of every tier: real databases (a SQLite file and a schema of the machine's PostgreSQL), Seva's
services over them, the trained model, the stand-in Graph API and the running Seva. Each is made only when a test
asks for it, so the unit tier touches none of the machine's services."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
import yaml
from sqlalchemy import text

from seva.bootstrap import Services
from seva.complaints import Complaints
from seva.storage import Database
from tests.helpers import MODEL, ROOT, a_postgres_schema, postgres_schema_url, production_env, services_on


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str]:
    with a_postgres_schema() as schema:
        yield schema


@pytest.fixture
def sqlite_services(tmp_path) -> Iterator[Services]:
    """Seva's services on an empty SQLite file: the embedded database, needing nothing of the machine."""
    services = services_on(f"sqlite:///{tmp_path / 'seva.db'}", tmp_path / "media")
    yield services
    services.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def services(request, tmp_path) -> Iterator[Services]:
    """Seva's services on an empty database of each kind Seva runs on."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'seva.db'}"
    else:
        schema = request.getfixturevalue("postgres_schema")
        url = postgres_schema_url(schema)
    services = services_on(url, tmp_path / "media")
    if request.param == "postgresql":
        with services.database.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield services
    services.close()


@pytest.fixture
def database(services) -> Database:
    return services.database


@pytest.fixture
def complaints(services) -> Complaints:
    return services.complaints


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
        **production_env(postgres_schema, graph_api.url, tmp_path_factory.mktemp("media")),
        # Low enough for a test to pass it; the tests' citizens write a few messages each.
        "CITIZEN_MESSAGES_PER_MINUTE": "20",
        # Messages lost in a restart are handled again this soon (two minutes in production).
        "WHATSAPP_REDELIVER_AFTER_SECONDS": "10",
        # A filing reminder may be said to a citizen silent this long (30 minutes in production).
        "FILING_REMINDER_MINUTES": "0.05",
    }
    running = Servers(trained_model, env, ROOT / "endpoints.production.yml", tmp_path_factory.mktemp("logs")).start()
    yield running
    running.stop()
