"""The stores of people: `uow.users`, `uow.departments`, `uow.api_tokens`, `uow.web_sessions`, `uow.delegations`.

Each is the one way its records are read and written; services say what they ask by name.
"""
from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased

from workflow.kernel.access import Actor
from workflow.kernel.db import connection, utcnow
from workflow.kernel.store import MappedStore
from workflow.kernel.uow import UnitOfWork
from .accounts import ApiToken, Department, User, WebSession, hash_password
from .delegation import Delegation, eligible


@UnitOfWork.store("users")
class UserStore(MappedStore):
    """The office's users (`uow.users`): found by id or username, named for display."""

    model = User

    def by_username(self, username: str, *, active_only: bool = False) -> User | None:
        stmt = select(User).where(User.username == username)
        return self._one(stmt.where(User.active.is_(True)) if active_only else stmt)

    def id_of(self, username: str) -> int | None:
        """The id of the user of this name, or None (the question before a new user is added)."""
        return self._one(select(User.id).where(User.username == username))

    def names(self, ids) -> dict[int, str]:
        """{user id: username} for display; no query for no ids."""
        ids = set(ids)
        return dict(self._rows(select(User.id, User.username).where(User.id.in_(ids)))) if ids else {}

    def everyone(self) -> list[User]:
        """Every user, in the order they were added (the administrator's list)."""
        return self._all(select(User).order_by(User.id))

    def system_actor(self) -> Actor:
        """The user reminders, escalations and shell commands are recorded under; it cannot log in.

        Made at its first use, with a random password nobody knows."""
        user = self.by_username("system")
        if user is None:
            user = self.add(User(username="system", full_name="Jieyue", role="admin", active=False, language="en",
                                 password_hash=hash_password(secrets.token_urlsafe(32))))
        return Actor(user.id, "system", "admin", None)


@UnitOfWork.store("departments")
class DepartmentStore(MappedStore):
    """The office's departments (`uow.departments`), known by their code."""

    model = Department

    def by_code(self, code: str) -> Department | None:
        return self._one(select(Department).where(Department.code == code))

    def id_of(self, code: str) -> int | None:
        """The id of the department with this code, or None."""
        return self._one(select(Department.id).where(Department.code == code))

    def in_order(self) -> list[Department]:
        """Every department, by code."""
        return self._all(select(Department).order_by(Department.code))


_TOKENS, _USERS = ApiToken.__table__, User.__table__
_TOKEN_HOLDER = (select(_TOKENS.c.id.label("token_id"), _TOKENS.c.revoked_at, _TOKENS.c.expires_at,
                        _TOKENS.c.last_used_at, _USERS.c.id, _USERS.c.username, _USERS.c.role,
                        _USERS.c.department_id, _USERS.c.language, _USERS.c.active)
                 .join(_USERS, _USERS.c.id == _TOKENS.c.user_id).where(_TOKENS.c.token_hash == bindparam("digest")))
_TOKEN_USED = _TOKENS.update().where(_TOKENS.c.id == bindparam("tid")).values(last_used_at=bindparam("now"))


@UnitOfWork.store("api_tokens")
class ApiTokenStore(MappedStore):
    """Bearer tokens (`uow.api_tokens`), known by the SHA-256 of the token."""

    model = ApiToken

    def holder(self, digest: str):
        """The token's row with its user's columns (token_id, revoked_at, expires_at, last_used_at, id,
        username, role, department_id, language, active), or None.

        Core, not the mapped classes: every API request asks this, and needs only these columns.
        """
        return connection(self._session).execute(_TOKEN_HOLDER, {"digest": digest}).first()

    def mark_used(self, token_id: int, now: dt.datetime) -> None:
        self._write(_TOKEN_USED, {"tid": token_id, "now": now})

    def of_user(self, user_id: int) -> list[ApiToken]:
        """A user's tokens, oldest first (revoked and expired ones too)."""
        return self._all(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id))


@UnitOfWork.store("web_sessions")
class WebSessionStore(MappedStore):
    """Browser logins (`uow.web_sessions`), known by the SHA-256 of the cookie's token."""

    model = WebSession

    def by_digest(self, digest: str) -> WebSession | None:
        return self._one(select(WebSession).where(WebSession.token_hash == digest))

    def with_holder(self, digest: str):
        """(WebSession, User) of the login with this digest, or None: one statement per web request."""
        return self._session.execute(select(WebSession, User).join(User, User.id == WebSession.user_id)
                                     .where(WebSession.token_hash == digest)).first()


@UnitOfWork.store("delegations")
class DelegationStore(MappedStore):
    """Delegations of approvals, and who holds whose approvals now."""

    model = Delegation

    def of(self, user_id: int) -> list[Delegation]:
        """The delegations a user gave or received, oldest first."""
        return self._all(select(Delegation).where(
            (Delegation.delegator_id == user_id) | (Delegation.delegate_id == user_id)).order_by(Delegation.id))

    def active_delegators(self, delegate_id: int, now: dt.datetime | None = None) -> list[User]:
        """The colleagues whose approvals `delegate_id` holds now (a delegate whose role no longer fits holds none)."""
        now = now or utcnow()
        delegate = aliased(User)
        return self._all(select(User).join(Delegation, Delegation.delegator_id == User.id)
                         .join(delegate, delegate.id == Delegation.delegate_id).where(
            Delegation.delegate_id == delegate_id, Delegation.revoked_at.is_(None),
            Delegation.starts_at <= now, Delegation.ends_at > now, User.active.is_(True), eligible(User, delegate)))

    def active_delegates(self, delegator_ids: list[int], now: dt.datetime | None = None) -> list[int]:
        """The user ids holding any of these people's approvals now."""
        now = now or utcnow()
        delegator, delegate = aliased(User), aliased(User)
        return self._all(select(Delegation.delegate_id)
                         .join(delegator, delegator.id == Delegation.delegator_id)
                         .join(delegate, delegate.id == Delegation.delegate_id).where(
            Delegation.delegator_id.in_(delegator_ids), Delegation.revoked_at.is_(None),
            Delegation.starts_at <= now, Delegation.ends_at > now, eligible(delegator, delegate)))
