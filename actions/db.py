"""SQLAlchemy models of complaints and the database they live in.

``DATABASE_URL`` selects the database: a SQLite file under the project by default, PostgreSQL in production.
The schema is created on first use by the process that needs it.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Optional

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base, relationship, sessionmaker

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_DIR / 'var' / 'seva.db'}"

Base = declarative_base()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


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
    sender_id = Column(String(200), nullable=False)
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
                Base.metadata.create_all(self.engine)
                self._schema_ready = True

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back when it raises."""
        self.ensure_schema()
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


_default: Optional[Database] = None
_default_lock = threading.Lock()


def default_database() -> Database:
    global _default
    with _default_lock:
        if _default is None:
            _default = Database()
        return _default
