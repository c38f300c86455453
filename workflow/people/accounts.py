"""Departments, users, passwords and API tokens (kept by the stores of workflow/people/store.py)."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError, InvalidHashError
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.kernel.access import ROLES, Actor
from workflow.kernel.db import Base, UTCDateTime, utcnow
from workflow.kernel.errors import Conflict, InvalidInput, NotFound, Unauthorized

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so both cases cost the same time.

    Made at the first login, not at import: a hash costs tens of milliseconds and memory.
    """
    return _hasher.hash("not-a-real-password")


class Department(Base):
    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200), default="")
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (CheckConstraint("headcount >= 0", name="headcount_not_negative"),)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    language: Mapped[str] = mapped_column(String(8), default="en")
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    department: Mapped[Department | None] = relationship(lazy="joined")
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="known_role"),)

    def as_actor(self) -> Actor:
        return Actor(self.id, self.username, self.role, self.department_id, self.language)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored (tokens are 256-bit random, so no salt is needed)."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_department(code: str, name: str, name_zh: str, headcount: int, uow) -> int:
    with uow:
        if uow.departments.id_of(code):
            raise Conflict(f"department {code} exists", {"code": ["Already exists."]})
        dep = uow.departments.add(Department(code=code, name=name, name_zh=name_zh, headcount=headcount))
        uow.commit()
        return dep.id


def create_user(username: str, password: str, role: str, uow, *, department_code: str | None = None,
                full_name: str = "", email: str | None = None, language: str = "en") -> int:
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role}", {"role": [f"Must be one of {', '.join(ROLES)}."]})
    if len(password) < 8:
        raise InvalidInput("password too short", {"password": ["At least 8 characters."]})
    with uow:
        if uow.users.id_of(username):
            raise Conflict(f"user {username} exists", {"username": ["Already exists."]})
        dep_id = None
        if department_code:
            dep_id = uow.departments.id_of(department_code)
            if dep_id is None:
                raise InvalidInput("unknown department", {"department": ["Unknown department."]})
        user = uow.users.add(User(username=username, password_hash=hash_password(password), role=role,
                                  department_id=dep_id, full_name=full_name, email=email, language=language))
        uow.commit()
        return user.id


def _checked_login(username: str, password: str, uow) -> User:
    """The active user with this password, else Unauthorized (an unknown name costs the same time)."""
    user = uow.users.by_username(username)
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        user = None
    if user is None or not user.active:
        raise Unauthorized("wrong username or password")
    return user


def issue_token(username: str, password: str, name: str, days: int, uow) -> tuple[str, int]:
    """Check the password and return (token, token id); the token is shown once, never stored."""
    with uow:
        user = _checked_login(username, password, uow)
        token = "jy_" + secrets.token_urlsafe(32)
        now = utcnow()
        row = uow.api_tokens.add(ApiToken(user_id=user.id, token_hash=_token_digest(token), prefix=token[:10],
                                          name=name, created_at=now, expires_at=now + dt.timedelta(days=days)))
        uow.commit()
        return token, row.id


def actor_for_token(token: str, uow) -> Actor:
    with uow:
        # Every API request asks this: one SELECT, and an UPDATE at most once a minute (store's Core).
        row = uow.api_tokens.holder(_token_digest(token))
        now = utcnow()
        if row is None or row.revoked_at or row.expires_at <= now or not row.active:
            raise Unauthorized("invalid or expired token")
        # Record use at most once a minute: a write per request would serialise readers.
        if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
            uow.api_tokens.mark_used(row.token_id, now)
            uow.commit()
        return Actor(row.id, row.username, row.role, row.department_id, row.language)


def token_view(t: ApiToken) -> dict:
    return {"id": t.id, "name": t.name, "prefix": t.prefix, "created_at": t.created_at,
            "expires_at": t.expires_at, "last_used_at": t.last_used_at, "revoked_at": t.revoked_at}


def list_tokens(actor: Actor, uow) -> list[dict]:
    with uow:
        return [token_view(t) for t in uow.api_tokens.of_user(actor.id)]


def revoke_token(token_id: int, actor: Actor, uow) -> None:
    with uow:
        row = uow.api_tokens.get(token_id)
        # An admin may revoke anyone's token; others only their own. Others' ids look absent.
        if row is None or (row.user_id != actor.id and not actor.is_("admin")):
            raise NotFound("no such token")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            uow.api_tokens.save()
        uow.commit()


def _require_admin(actor: Actor) -> None:
    if not actor.is_("admin"):
        from workflow.kernel.errors import Forbidden

        raise Forbidden("only an administrator manages people and departments")


def user_view(user: User) -> dict:
    return {"id": user.id, "username": user.username, "full_name": user.full_name, "email": user.email,
            "role": user.role, "department": user.department.code if user.department else None,
            "language": user.language, "active": user.active}


def department_view(dep: Department) -> dict:
    return {"id": dep.id, "code": dep.code, "name": dep.name, "name_zh": dep.name_zh, "headcount": dep.headcount}


def me(actor: Actor, uow) -> dict:
    with uow:
        return user_view(uow.users.get(actor.id))


def list_users(actor: Actor, uow) -> list[dict]:
    _require_admin(actor)
    with uow:
        return [user_view(u) for u in uow.users.everyone()]


def add_user(fields: dict, actor: Actor, uow) -> dict:
    _require_admin(actor)
    user_id = create_user(fields["username"], fields["password"], fields["role"], uow,
                          department_code=fields.get("department"), full_name=fields.get("full_name", ""),
                          email=fields.get("email"), language=fields.get("language", "en"))
    with uow:
        return user_view(uow.users.get(user_id))


def list_departments(uow) -> list[dict]:
    with uow:
        return [department_view(d) for d in uow.departments.in_order()]


def add_department(fields: dict, actor: Actor, uow) -> dict:
    _require_admin(actor)
    dep_id = create_department(fields["code"], fields["name"], fields.get("name_zh", ""), fields["headcount"], uow)
    with uow:
        return department_view(uow.departments.get(dep_id))


class WebSession(Base):
    """A browser login. The cookie carries a random token; only its hash is stored, so logging out
    (or an administrator) ends the session on the server, and each login gets a new one."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


def open_session(username: str, password: str, hours: int, uow) -> str:
    """Check the password; a fresh session token (never reused across logins)."""
    with uow:
        user = _checked_login(username, password, uow)
        token = secrets.token_urlsafe(32)
        now = utcnow()
        uow.web_sessions.add(WebSession(token_hash=_token_digest(token), user_id=user.id, created_at=now,
                                        expires_at=now + dt.timedelta(hours=hours)))
        uow.commit()
        return token


def actor_for_session(token: str, uow) -> Actor | None:
    with uow:
        row = uow.web_sessions.with_holder(_token_digest(token))
        if row is None or row.WebSession.ended_at or row.WebSession.expires_at <= utcnow() or not row.User.active:
            return None
        return row.User.as_actor()


def close_session(token: str, uow) -> None:
    with uow:
        row = uow.web_sessions.by_digest(_token_digest(token))
        if row is not None and row.ended_at is None:
            row.ended_at = utcnow()
            uow.web_sessions.save()
        uow.commit()


def set_language(actor: Actor, language: str, uow) -> None:
    with uow:
        uow.users.get(actor.id).language = language
        uow.users.save()
        uow.commit()
