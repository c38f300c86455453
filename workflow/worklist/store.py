"""The system user (`uow.system_user`): who reminders, escalations and calendar changes from a shell are recorded under."""
from __future__ import annotations

import secrets

from sqlalchemy import select

from workflow.kernel.access import Actor
from workflow.kernel.store import MappedStore
from workflow.kernel.uow import UnitOfWork
from workflow.people.accounts import User, hash_password


@UnitOfWork.store("system_user")
class SystemUserStore(MappedStore):
    """The one user named "system": made on first use, inactive, with a password nobody knows."""

    model = User

    def actor(self) -> Actor:
        """The system user as an actor, made now if there is none yet (it cannot log in)."""
        user = self._one(select(User).where(User.username == "system"))
        if user is None:
            user = self.add(User(username="system", full_name="Jieyue", role="admin", active=False, language="en",
                                 password_hash=hash_password(secrets.token_urlsafe(32))))
        return Actor(user.id, "system", "admin", None)
