"""The stores of people (`uow.delegations`, ...): the one way their records are read and written."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import aliased

from workflow.kernel.db import utcnow
from workflow.kernel.store import MappedStore
from workflow.kernel.uow import UnitOfWork
from .accounts import User
from .delegation import Delegation, eligible


@UnitOfWork.store("delegations")
class DelegationStore(MappedStore):
    """Delegations of approvals, and who holds whose approvals now."""

    model = Delegation

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
