"""Municipal staff, their API tokens, their passwords and their console sessions.

A token or session cookie is 32 random bytes; the database keeps its SHA-256 only. They are random, not chosen by
people, so a fast hash is enough: there is nothing to guess from it. Passwords are chosen by people, so they are
kept as Argon2id hashes, and repeated failures lock the account for a while.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, List, Optional, Tuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from seva.catalogue import LANGUAGES, Catalogue
from seva.models import StaffCity, StaffSession, StaffToken, StaffUser
from seva.storage import Database, aware, utcnow
from seva.workflow import ADMIN, LME, STAFF_ROLES, Actor

TOKEN_PREFIX = "seva_"
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD, MAX_PASSWORD = 10, 200
# A session's last use is written at most this often: reading a page should not always write.
SEEN_EVERY = timedelta(minutes=1)
_hasher = PasswordHasher()
# Checked against when the username is unknown, so that a wrong username takes as long as a wrong password.
_NOBODY = _hasher.hash(secrets.token_urlsafe(16))


class StaffError(ValueError):
    pass


class SignInRefused(Exception):
    """`reason` is "credentials" (wrong username or password, or no password set) or "locked"."""

    def __init__(self, reason: str, until: Optional[datetime] = None):
        super().__init__(reason)
        self.reason = reason
        self.until = until


@dataclass(frozen=True)
class SessionPolicy:
    """How long a console session lasts unused and at most, and how many failed sign-ins lock an account."""

    idle: timedelta = timedelta(minutes=30)
    longest: timedelta = timedelta(hours=12)
    attempts: int = 5
    lockout: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class StaffMember:
    username: str
    name: str
    role: str
    tenant_id: str
    active: bool
    created_at: datetime
    language: str = "en"
    # An administrator's further cities.
    cities: Tuple[str, ...] = ()

    @property
    def actor(self) -> Actor:
        return Actor(self.role, self.username, self.tenant_id, frozenset(self.cities))

    @property
    def all_cities(self) -> Tuple[str, ...]:
        """The cities whose complaints this member works on, their own first."""
        return (self.tenant_id,) + tuple(c for c in self.cities if c != self.tenant_id)


@dataclass(frozen=True)
class ConsoleSession:
    member: StaffMember
    csrf_token: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Staff:
    def __init__(
        self, database: Database, catalogue: Catalogue, token_days: int = 90, sessions: SessionPolicy = SessionPolicy()
    ):
        self.db = database
        self.catalogue = catalogue
        # A token stops working this long after it was issued: a leaked one does not last for ever.
        self.token_lifetime = timedelta(days=token_days)
        self.sessions = sessions

    def add(self, username: str, name: str, role: str, tenant_id: str, cities: Iterable[str] = ()) -> StaffMember:
        if not USERNAME.match(username):
            raise StaffError("a username is 2-64 lower-case letters, digits, '.', '_' or '-'")
        if role not in STAFF_ROLES:
            raise StaffError(f"the role is one of {', '.join(STAFF_ROLES)}")
        if tenant_id not in self.catalogue.cities:
            raise StaffError(f"unknown city {tenant_id!r}")
        if not name.strip() or len(name.strip()) > 200:
            raise StaffError("a name is needed, of at most 200 characters")
        further = sorted(set(cities) - {tenant_id})
        if further and role != ADMIN:
            raise StaffError("only an ADMIN oversees further cities")
        unknown = [c for c in further if c not in self.catalogue.cities]
        if unknown:
            raise StaffError(f"unknown city {unknown[0]!r}")
        try:
            with self.db.session() as session:
                user = StaffUser(
                    username=username,
                    name=name.strip(),
                    role=role,
                    tenant_id=tenant_id,
                    active=True,
                    created_at=utcnow(),
                    cities=[StaffCity(tenant_id=c) for c in further],
                )
                session.add(user)
                session.flush()
                return _member(user)
        except IntegrityError:
            raise StaffError(f"there is already a staff user {username!r}") from None

    def issue_token(self, username: str) -> str:
        """A new token for the user, returned in the clear this once."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.db.session() as session:
            user = self._user(session, username)
            if not user.active:
                raise StaffError(f"{username} is deactivated")
            session.add(StaffToken(user_id=user.id, token_hash=hash_token(token), created_at=utcnow()))
        return token

    def revoke_tokens(self, username: str) -> int:
        with self.db.session() as session:
            user = self._user(session, username)
            result = session.execute(
                update(StaffToken)
                .where(StaffToken.user_id == user.id, StaffToken.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
            return result.rowcount

    def deactivate(self, username: str) -> None:
        with self.db.session() as session:
            self._user(session, username).active = False
        self.revoke_tokens(username)
        self.end_sessions(username)

    def set_password(self, username: str, password: str) -> None:
        """Sets the password, lifts a lock-out and signs the user out everywhere."""
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise StaffError(f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")
        if password.strip() != password or password.lower() == username.lower():
            raise StaffError("a password neither starts nor ends with spaces and is not the username")
        with self.db.session() as session:
            user = self._user(session, username)
            user.password_hash = _hasher.hash(password)
            user.failed_sign_ins = 0
            user.locked_until = None
        self.end_sessions(username)

    def reset_password(self, username: str) -> str:
        """A new random password, returned in the clear this once, for the user to sign in with."""
        password = secrets.token_urlsafe(12)
        self.set_password(username, password)
        return password

    def sign_in(self, username: str, password: str, now: Optional[datetime] = None) -> Tuple[str, ConsoleSession]:
        """A new console session (its cookie value, and the session) for the right password; SignInRefused else.
        A locked account refuses even the right password until the lock-out ends."""
        now = now or utcnow()
        with self.db.session() as session:
            user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
            if user is None or not user.active or not user.password_hash:
                _verify(_NOBODY, password)
                raise SignInRefused("credentials")
            locked_until = aware(user.locked_until) if user.locked_until else None
            if locked_until is not None and now < locked_until:
                raise SignInRefused("locked", locked_until)
            if not _verify(user.password_hash, password):
                user.failed_sign_ins += 1
                locked_until = None
                if user.failed_sign_ins >= self.sessions.attempts:
                    user.failed_sign_ins = 0
                    locked_until = user.locked_until = now + self.sessions.lockout
            else:
                user.failed_sign_ins = 0
                user.locked_until = None
                if _hasher.check_needs_rehash(user.password_hash):
                    user.password_hash = _hasher.hash(password)
                token = secrets.token_urlsafe(32)
                csrf = secrets.token_urlsafe(32)
                session.add(
                    StaffSession(
                        user_id=user.id, token_hash=hash_token(token), csrf_token=csrf, created_at=now, last_seen_at=now
                    )
                )
                return token, ConsoleSession(_member(user), csrf)
        # The failure is counted (the transaction above committed) before it is reported.
        raise SignInRefused("locked", locked_until) if locked_until else SignInRefused("credentials")

    def session(self, token: Optional[str], now: Optional[datetime] = None) -> Optional[ConsoleSession]:
        """The console session of this cookie, if it is neither ended, idle too long, nor too old."""
        if not token or not token.isascii() or len(token) > 100:
            return None
        now = now or utcnow()
        with self.db.session() as session:
            row = _held(session, StaffSession, token)
            if row is None:
                return None
            stored, user = row
            last_seen = aware(stored.last_seen_at)
            if (
                stored.ended_at is not None
                or not user.active
                or now - last_seen > self.sessions.idle
                or now - aware(stored.created_at) > self.sessions.longest
            ):
                return None
            # Written at most once a minute, and often enough that a session in use never looks idle.
            if now - last_seen > min(SEEN_EVERY, self.sessions.idle / 10):
                stored.last_seen_at = now
            return ConsoleSession(_member(user), stored.csrf_token)

    def sign_out(self, token: str) -> None:
        with self.db.session() as session:
            session.execute(
                update(StaffSession)
                .where(StaffSession.token_hash == hash_token(token), StaffSession.ended_at.is_(None))
                .values(ended_at=utcnow())
            )

    def end_sessions(self, username: str) -> int:
        with self.db.session() as session:
            user = self._user(session, username)
            result = session.execute(
                update(StaffSession)
                .where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
                .values(ended_at=utcnow())
            )
            return result.rowcount

    def set_language(self, username: str, language: str) -> None:
        if language not in LANGUAGES:
            raise StaffError(f"the console speaks {', '.join(LANGUAGES)}")
        with self.db.session() as session:
            self._user(session, username).language = language

    def field_employees(self, tenant_id: str) -> List[StaffMember]:
        """The active field employees of a city, whom a complaint there can be assigned to."""
        return [m for m in self.members(tenant_id) if m.active and m.role == LME]

    def member(self, username: str) -> StaffMember:
        with self.db.session() as session:
            return _member(self._user(session, username))

    def members(self, tenant_id: Optional[str] = None) -> List[StaffMember]:
        with self.db.session() as session:
            query = select(StaffUser).order_by(StaffUser.tenant_id, StaffUser.role, StaffUser.username)
            if tenant_id:
                query = query.where(StaffUser.tenant_id == tenant_id)
            return [_member(u) for u in session.scalars(query)]

    def authenticate(self, token: Optional[str], now: Optional[datetime] = None) -> Optional[StaffMember]:
        """The active staff member holding this token, if it is neither revoked nor expired; else None."""
        if not token or not token.startswith(TOKEN_PREFIX) or not token.isascii():
            return None
        now = now or utcnow()
        with self.db.session() as session:
            row = _held(session, StaffToken, token)
            if row is None:
                return None
            stored, user = row
            if stored.revoked_at is not None or not user.active:
                return None
            if now - aware(stored.created_at) > self.token_lifetime:
                return None
            stored.last_used_at = now
            return _member(user)

    @staticmethod
    def _user(session, username: str) -> StaffUser:
        user = session.scalar(select(StaffUser).where(StaffUser.username == username))
        if user is None:
            raise StaffError(f"there is no staff user {username!r}")
        return user


def _member(user: StaffUser) -> StaffMember:
    return StaffMember(
        user.username,
        user.name,
        user.role,
        user.tenant_id,
        user.active,
        aware(user.created_at),
        user.language or "en",
        tuple(c.tenant_id for c in user.cities),
    )


def _held(session, credential, secret: str):
    """The stored token or console session of this secret, with its user; None for a secret Seva never gave."""
    return session.execute(
        select(credential, StaffUser)
        .join(StaffUser, credential.user_id == StaffUser.id)
        .where(credential.token_hash == hash_token(secret))
    ).first()


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
