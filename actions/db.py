"""SQLAlchemy models of complaints and the database they live in.

``DATABASE_URL`` selects the database: a SQLite file under the project by default, PostgreSQL in production.
The schema is Alembic's (migrations/): `make migrate` brings a database up to date, and every process does so
on first use, so a replica started on an older schema upgrades it before touching it.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Optional

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base, relationship, sessionmaker

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_DIR / 'var' / 'seva.db'}"

Base = declarative_base()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class Complaint(Base):
    __tablename__ = "complaints"

    id = Column(Integer, primary_key=True)
    number = Column(String(32), nullable=False, unique=True)
    # The same filled-in form always carries the same key, so a retried submission finds its complaint.
    submission_key = Column(String(200), nullable=False, unique=True)
    sender_id = Column(String(200), nullable=False, index=True)
    channel = Column(String(50), nullable=False)
    language = Column(String(5), nullable=False)
    service_code = Column(String(64), nullable=False)
    category = Column(String(64), nullable=False)
    department = Column(String(64), nullable=False)
    tenant_id = Column(String(64), nullable=False, index=True)
    locality_code = Column(String(32))
    locality_name = Column(String(200))
    landmark = Column(String(300))
    description = Column(Text, nullable=False)
    latitude = Column(Float)
    longitude = Column(Float)
    status = Column(String(32), nullable=False, index=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    due_at = Column(DateTime(timezone=True), nullable=False)
    # When the status last changed: a resolved or rejected complaint can be reopened for 10 days after that.
    status_changed_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    # The field employee's deadline while the complaint waits at them (the workflow gives them 3 days).
    stage_due_at = Column(DateTime(timezone=True))
    assigned_to = Column(String(100), index=True)
    rating = Column(Integer)

    events = relationship("ComplaintEvent", order_by="ComplaintEvent.id", back_populates="complaint")
    attachments = relationship("Attachment", order_by="Attachment.id", back_populates="complaint")


class ComplaintEvent(Base):
    """One step of a complaint's history: who did what, when, with which comment."""

    __tablename__ = "complaint_events"

    id = Column(Integer, primary_key=True)
    complaint_id = Column(Integer, ForeignKey("complaints.id", ondelete="CASCADE"), nullable=False, index=True)
    action = Column(String(32), nullable=False)
    from_status = Column(String(32))
    to_status = Column(String(32), nullable=False)
    actor = Column(String(200), nullable=False)
    role = Column(String(16), nullable=False)
    comment = Column(Text)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    complaint = relationship("Complaint", back_populates="events")


class Attachment(Base):
    __tablename__ = "attachments"

    id = Column(Integer, primary_key=True)
    complaint_id = Column(Integer, ForeignKey("complaints.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = Column(String(20), nullable=False)
    uri = Column(String(1000), nullable=False)
    mime_type = Column(String(100))
    sha256 = Column(String(64))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    complaint = relationship("Complaint", back_populates="attachments")


class StaffUser(Base):
    """A municipal employee: a grievance routing officer (GRO) or a field employee (LME) of one city."""

    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    username = Column(String(100), nullable=False, unique=True)
    name = Column(String(200), nullable=False)
    role = Column(String(16), nullable=False)
    tenant_id = Column(String(64), nullable=False, index=True)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class StaffToken(Base):
    """An API token of a staff user, kept only as its SHA-256: a stolen table gives no usable token."""

    __tablename__ = "staff_tokens"

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    last_used_at = Column(DateTime(timezone=True))
    revoked_at = Column(DateTime(timezone=True))

    user = relationship("StaffUser")


class Notification(Base):
    """The outbox: a status change to tell the citizen, written in the transaction that made the change."""

    __tablename__ = "notifications"

    id = Column(Integer, primary_key=True)
    event_id = Column(Integer, ForeignKey("complaint_events.id", ondelete="CASCADE"), nullable=False, unique=True)
    complaint_id = Column(Integer, ForeignKey("complaints.id", ondelete="CASCADE"), nullable=False, index=True)
    recipient = Column(String(200), nullable=False)
    channel = Column(String(50), nullable=False)
    state = Column(String(16), nullable=False, default="pending")
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    # How it reached the citizen: through Rasa (inside WhatsApp's 24-hour window) or as a WhatsApp template.
    sent_via = Column(String(16))
    sent_at = Column(DateTime(timezone=True))
    last_error = Column(Text)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    event = relationship("ComplaintEvent")
    complaint = relationship("Complaint")


Index("ix_notifications_due", Notification.state, Notification.next_attempt_at)


class Citizen(Base):
    """What Seva remembers of a citizen between conversations: the language to answer in."""

    __tablename__ = "citizens"

    sender_id = Column(String(200), primary_key=True)
    language = Column(String(5), nullable=False)
    # True once the citizen picked the language themselves; a guess never overrides that.
    language_chosen = Column(Boolean, nullable=False, default=False)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class SeenMessage(Base):
    """A WhatsApp message id already taken in: Meta delivers at least once, Seva handles each once."""

    __tablename__ = "whatsapp_seen_messages"

    message_id = Column(String(200), primary_key=True)
    sender_id = Column(String(200), nullable=False, index=True)
    received_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class NumberedChoice(Base):
    """Options last sent to a citizen as a numbered text, so that a reply "2" picks the second."""

    __tablename__ = "whatsapp_numbered_choices"

    recipient = Column(String(200), primary_key=True)
    payloads = Column(Text, nullable=False)
    sent_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class DailySequence(Base):
    """The last complaint number handed out on a filing date."""

    __tablename__ = "complaint_sequences"

    day = Column(Date, primary_key=True)
    last = Column(Integer, nullable=False)


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


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
    """An engine, a session factory and a schema that is created once, when first needed."""

    def __init__(self, url: Optional[str] = None):
        self.url = url or database_url()
        self.engine = make_engine(self.url)
        self._sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)
        self._schema_ready = False
        self._lock = threading.Lock()

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

    def dispose(self) -> None:
        self.engine.dispose()


# Replicas starting together take turns at migrating: PostgreSQL's advisory lock with this key.
MIGRATION_LOCK = 7_310_2020


def migrate(engine: Engine, revision: str = "head") -> None:
    """Brings the schema to the revision, in one transaction."""
    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_DIR / "migrations"))
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


_default: Optional[Database] = None
_default_lock = threading.Lock()


def default_database() -> Database:
    global _default
    with _default_lock:
        if _default is None:
            _default = Database()
        return _default


if __name__ == "__main__":
    # `make migrate`: DATABASE_URL, or the SQLite file under var/, to the latest schema.
    from sqlalchemy.engine import make_url

    target = Database()
    migrate(target.engine)
    print(f"{make_url(target.url).render_as_string(hide_password=True)}: schema up to date")
