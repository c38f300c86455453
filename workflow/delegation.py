"""Out of office: an approver hands their approvals to a colleague for a period.

The colleague sees those items in the queue and acts on the approver's behalf; the audit
event records both people (actor and on_behalf_of).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import ForeignKey, Index, select

from .access import Actor
from .db import Base, UTCDateTime, utcnow
from .errors import Forbidden, InvalidInput, NotFound
from sqlalchemy.orm import Mapped, mapped_column

APPROVER_ROLES = ("dept_head", "logistics")
FIRST_LEVEL = ("dept_review", "requested")


class Delegation(Base):
    __tablename__ = "delegations"
    id: Mapped[int] = mapped_column(primary_key=True)
    delegator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (Index("ix_delegations_delegate", "delegate_id", "ends_at"),)


def may_review(actor: Actor, status: str, department_id: int) -> bool:
    """First level: the head of the request's department; second level: logistics."""
    if status in FIRST_LEVEL:
        return actor.role == "dept_head" and actor.department_id == department_id
    if status == "office_review":
        return actor.role == "logistics"
    return False


def active_delegators(s, delegate_id: int, now: dt.datetime | None = None) -> list:
    from .people import User

    now = now or utcnow()
    return list(s.scalars(select(User).join(Delegation, Delegation.delegator_id == User.id).where(
        Delegation.delegate_id == delegate_id, Delegation.revoked_at.is_(None),
        Delegation.starts_at <= now, Delegation.ends_at > now, User.active.is_(True))))


def active_delegates(s, delegator_ids: list[int], now: dt.datetime | None = None) -> list[int]:
    now = now or utcnow()
    return list(s.scalars(select(Delegation.delegate_id).where(
        Delegation.delegator_id.in_(delegator_ids), Delegation.revoked_at.is_(None),
        Delegation.starts_at <= now, Delegation.ends_at > now)))


def reviewer(s, actor: Actor, action: str, status: str, department_id: int, requester_id: int) -> Actor:
    """Who reviews: the caller in their own right, or on behalf of a colleague who delegated to them."""
    if requester_id == actor.id:
        raise Forbidden("nobody approves their own request", security=True)
    if may_review(actor, status, department_id):
        return actor
    for delegator in active_delegators(s, actor.id):
        if delegator.id != requester_id and may_review(delegator.as_actor(), status, department_id):
            return replace(actor, on_behalf_of_id=delegator.id)
    raise Forbidden(f"you may not {action} an item in {status}")


def view(d: Delegation, names: dict) -> dict:
    return {"id": d.id, "delegator": names.get(d.delegator_id), "delegate": names.get(d.delegate_id),
            "starts_at": d.starts_at, "ends_at": d.ends_at, "revoked_at": d.revoked_at}


def delegate(delegate_username: str, starts_at: dt.datetime, ends_at: dt.datetime, actor: Actor, uow) -> dict:
    from .people import User

    if not actor.is_(*APPROVER_ROLES):
        raise Forbidden("only approvers delegate their approvals")
    if ends_at <= starts_at:
        raise InvalidInput("period backwards", {"ends_at": ["Must be after starts_at."]})
    with uow:
        s = uow.session
        other = s.scalar(select(User).where(User.username == delegate_username, User.active.is_(True)))
        if other is None or other.id == actor.id:
            raise InvalidInput("no such colleague", {"delegate": ["An active colleague other than you."]})
        row = Delegation(delegator_id=actor.id, delegate_id=other.id, starts_at=starts_at, ends_at=ends_at,
                         created_at=utcnow())
        s.add(row)
        uow.commit()
        return view(row, {actor.id: actor.username, other.id: other.username})


def my_delegations(actor: Actor, uow) -> list[dict]:
    from .people import User

    with uow:
        s = uow.session
        rows = s.scalars(select(Delegation).where(
            (Delegation.delegator_id == actor.id) | (Delegation.delegate_id == actor.id)).order_by(Delegation.id)).all()
        ids = {r.delegator_id for r in rows} | {r.delegate_id for r in rows}
        names = dict(s.execute(select(User.id, User.username).where(User.id.in_(ids))).all()) if ids else {}
        return [view(r, names) for r in rows]


def revoke(delegation_id: int, actor: Actor, uow) -> None:
    with uow:
        row = uow.session.get(Delegation, delegation_id)
        if row is None or row.delegator_id != actor.id:
            raise NotFound("no such delegation of yours")
        row.revoked_at = row.revoked_at or utcnow()
        uow.commit()
