"""Seva as deployed, for the benchmarks: `rasa run` and the action server on a PostgreSQL schema of their own,
conversations in PostgreSQL, locks in Redis, and a local stand-in for the Graph API."""

from __future__ import annotations

import signal
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, NamedTuple, Optional

from sqlalchemy import create_engine, text

from tests.graph_api import StandInGraphApi
from tests.helpers import MODEL, POSTGRES_URL, production_env
from tests.servers import ROOT, Servers


class Deployment(NamedTuple):
    servers: Servers
    graph: StandInGraphApi
    database_url: str
    logs: Path
    # Its environment (the stores' settings among them).
    env: Dict[str, str]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


@contextmanager
def deployed(profile_dir: Optional[Path] = None, model: Path = MODEL) -> Iterator[Deployment]:
    """Seva as deployed; with `profile_dir`, each of its processes under pyinstrument (tests.servers)."""
    schema = f"seva_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, future=True)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    graph = StandInGraphApi().start()
    logs = Path(tempfile.mkdtemp(prefix="seva-bench-"))
    env = production_env(schema, graph.url, logs / "media")
    servers = Servers(model, env, ROOT / "endpoints.production.yml", logs, profile_dir=profile_dir)
    try:
        print("starting rasa run and the action server ...", flush=True)
        servers.start()
        yield Deployment(servers, graph, env["DATABASE_URL"], logs, env)
    finally:
        # SIGINT lets a profiled process write its profile on the way out.
        servers.stop(signal.SIGINT if profile_dir else signal.SIGTERM)
        graph.stop()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
