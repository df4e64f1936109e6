"""Municipal staff and their API tokens."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import relationship

from seva.storage import Base, utcnow


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
