"""Fixtures of the full-stack tier."""

from typing import Iterator

import pytest

from seva.bootstrap import Services
from seva.storage import Database
from tests.helpers import postgres_schema_url, services_on


@pytest.fixture(scope="session")
def live(servers, postgres_schema) -> Iterator[Services]:
    """Seva's services over the database the running Seva uses (never emptied, unlike `services`)."""
    services = services_on(postgres_schema_url(postgres_schema))
    yield services
    services.close()


@pytest.fixture(scope="session")
def database(live) -> Database:
    """The running Seva's database; in this tier it replaces the root fixture of that name, which empties one."""
    return live.database
