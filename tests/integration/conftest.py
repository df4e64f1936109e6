"""Fixtures of the integration tier's modules that start a staff API server: a PostgreSQL schema and a media
folder of the module's own, the seed that fills them, and the server (`python -m staff.api`) on them."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from seva.storage import Database
from tests.helpers import a_postgres_schema, postgres_schema_url
from tests.integration.seeding import Seed
from tests.servers import StaffApiServer


@pytest.fixture(scope="module")
def schema(request) -> Iterator[str]:
    """A PostgreSQL schema for this module's server, named after the module."""
    with a_postgres_schema(f"seva_{request.module.__name__.rsplit('.', 1)[-1].removeprefix('test_')}") as name:
        yield name


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media").resolve()


@pytest.fixture(scope="module")
def seed(schema, media) -> Iterator[Seed]:
    database = Database(postgres_schema_url(schema))
    database.ensure_schema()
    yield Seed(database, media)
    database.dispose()


@pytest.fixture(scope="module")
def server(seed, schema, media, tmp_path_factory) -> Iterator[StaffApiServer]:
    running = StaffApiServer(
        {"DATABASE_URL": postgres_schema_url(schema), "MEDIA_DIR": str(media)},
        tmp_path_factory.mktemp("logs") / "staff_api.log",
    ).start()
    yield running
    running.stop()
