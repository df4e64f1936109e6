"""Municipal staff and their API tokens.

A token is 32 random bytes shown once, when it is issued; the database keeps its SHA-256 only. Tokens are
random, not chosen by people, so a fast hash is enough: there is nothing to guess from it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from seva.catalogue import Catalogue
from seva.models import StaffToken, StaffUser
from seva.storage import Database, aware, utcnow
from seva.workflow import STAFF_ROLES, Actor

TOKEN_PREFIX = "seva_"
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class StaffError(ValueError):
    pass


@dataclass(frozen=True)
class StaffMember:
    username: str
    name: str
    role: str
    tenant_id: str
    active: bool
    created_at: datetime

    @property
    def actor(self) -> Actor:
        return Actor(self.role, self.username, self.tenant_id)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Staff:
    def __init__(self, database: Database, catalogue: Catalogue, token_days: int = 90):
        self.db = database
        self.catalogue = catalogue
        # A token stops working this long after it was issued: a leaked one does not last for ever.
        self.token_lifetime = timedelta(days=token_days)

    def add(self, username: str, name: str, role: str, tenant_id: str) -> StaffMember:
        if not USERNAME.match(username):
            raise StaffError("a username is 2-64 lower-case letters, digits, '.', '_' or '-'")
        if role not in STAFF_ROLES:
            raise StaffError(f"the role is one of {', '.join(STAFF_ROLES)}")
        if tenant_id not in self.catalogue.cities:
            raise StaffError(f"unknown city {tenant_id!r}")
        if not name.strip() or len(name.strip()) > 200:
            raise StaffError("a name is needed, of at most 200 characters")
        try:
            with self.db.session() as session:
                user = StaffUser(
                    username=username,
                    name=name.strip(),
                    role=role,
                    tenant_id=tenant_id,
                    active=True,
                    created_at=utcnow(),
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
            row = session.execute(
                select(StaffToken, StaffUser)
                .join(StaffUser, StaffToken.user_id == StaffUser.id)
                .where(StaffToken.token_hash == hash_token(token))
            ).first()
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
    return StaffMember(user.username, user.name, user.role, user.tenant_id, user.active, aware(user.created_at))
