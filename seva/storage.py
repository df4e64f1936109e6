"""Where Seva's data lives: one SQLAlchemy engine per process, transactions, and Alembic's migrations.

A SQLite file under the project by default, PostgreSQL in production (``Settings.database_url``). Every process
brings the schema up to date on first use, so a replica started on an older schema upgrades it before touching it.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, declarative_base, sessionmaker

PROJECT_DIR = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = PROJECT_DIR / "migrations"

# The tables of every area (complaints, citizens, staff, outbox, the WhatsApp channel) share this metadata.
Base: Any = declarative_base()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, connect_args={"timeout": 30, "check_same_thread": False})
        _begin_immediately(engine)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _begin_immediately(engine: Engine) -> None:
    """SQLite: take the write lock at BEGIN, so two writers wait for each other instead of failing."""

    @event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """An engine, a session factory and a schema that is brought up to date once, when first needed."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)
        self._schema_ready = False
        self._lock = threading.Lock()

    @property
    def safe_url(self) -> str:
        """The URL without its password, for messages and logs."""
        return make_url(self.url).render_as_string(hide_password=True)

    def ensure_schema(self) -> None:
        with self._lock:
            if not self._schema_ready:
                migrate(self.engine)
                self._schema_ready = True

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back when it raises."""
        self.ensure_schema()
        with self._sessions() as session, session.begin():
            yield session

    def reachable(self) -> bool:
        """Whether the database answers now: a pooled connection and a trivial query, below SQLAlchemy's
        transactions (which on SQLite would take the write lock)."""
        try:
            connection = self.engine.raw_connection()
        except SQLAlchemyError:
            return False
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            return True
        except Exception:  # the driver's own error: the connection broke while we asked
            return False
        finally:
            connection.close()

    def dispose(self) -> None:
        self.engine.dispose()


# Replicas starting together take turns at migrating: PostgreSQL's advisory lock with this key.
MIGRATION_LOCK = 7_310_2020


def migrate(engine: Engine, revision: str = "head") -> None:
    """Brings the schema to the revision, in one transaction."""
    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite migrations rebuild tables; with foreign keys on, dropping the old complaints table would
            # cascade to their history. The pragma only works outside a transaction, hence the raw connection.
            connection.connection.execute("PRAGMA foreign_keys = OFF")
        try:
            with connection.begin():
                if not sqlite:
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
                tables = inspect(connection).get_table_names()
                config.attributes["connection"] = connection
                # A database of the first release was made by create_all, before there were migrations.
                if "complaints" in tables and "alembic_version" not in tables:
                    command.stamp(config, "0001")
                command.upgrade(config, revision)
        finally:
            if sqlite:
                connection.connection.execute("PRAGMA foreign_keys = ON")
