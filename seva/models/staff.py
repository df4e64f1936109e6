"""Municipal staff, the cities an administrator oversees, their API tokens and their console sessions."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import relationship

from seva.storage import Base, utcnow


class StaffUser(Base):
    """A municipal employee of one city: a grievance routing officer (GRO), a field employee (LME), or an
    administrator (ADMIN) who also oversees the cities listed for them."""

    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    username = Column(String(100), nullable=False, unique=True)
    name = Column(String(200), nullable=False)
    role = Column(String(16), nullable=False)
    tenant_id = Column(String(64), nullable=False, index=True)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    # Argon2id; None until the command line sets a password (API tokens need none).
    password_hash = Column(String(200))
    # Sign-in failures since the last success: enough of them lock the account for a while.
    failed_sign_ins = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime(timezone=True))
    # The console's language for this user.
    language = Column(String(5), nullable=False, default="en")

    cities = relationship("StaffCity", order_by="StaffCity.tenant_id", cascade="all, delete-orphan", lazy="selectin")


class StaffCity(Base):
    """A further city an administrator oversees, beside their own."""

    __tablename__ = "staff_cities"

    user_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True)
    tenant_id = Column(String(64), primary_key=True)


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


class StaffSession(Base):
    """A signed-in console session, kept as the SHA-256 of its cookie; the CSRF token its forms carry."""

    __tablename__ = "staff_sessions"

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    last_seen_at = Column(DateTime(timezone=True), nullable=False)
    ended_at = Column(DateTime(timezone=True))

    user = relationship("StaffUser")
