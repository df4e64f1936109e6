"""Fixtures of the integration tier's modules that start a staff API server: a PostgreSQL schema and a media
folder of the module's own, and the seed that fills them."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from seva.storage import Database
from tests.helpers import a_postgres_schema, postgres_schema_url
from tests.integration.seeding import Seed


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
