"""Out of office: an approver hands their approvals to a colleague for a period; who reviews what.

The colleague sees those items in the queue and acts on the approver's behalf; the audit
event records both people (`actor` and `on_behalf_of`, shown by every history answer).

Who may receive a delegation (issue 14): someone who may hold the delegator's approving role.
Only two roles approve (`may_review`): a department head at the first level of their own
department, logistics at the second level. So a head delegates to another department head (of
any department) or to logistics; logistics delegates to another logistics user only (an
administrator does not approve, so an administrator cannot be a delegate). Staff, of the same
department or another, never receive approvals. The rule is checked when the delegation is made
and again whenever it is used, so a delegate whose role changed since loses it. A delegation
lasts at most `queue.delegation_max_days` days of the policy document and does not start
before today (the office's day).

Who reviews an item, two levels by two people, is the approval kernel's entitlement check
(workflow/approvals/reviewers.py), for every flow.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, and_, or_
from sqlalchemy.orm import Mapped, mapped_column

from workflow.kernel.access import Actor
from workflow.kernel.db import Base, UTCDateTime, utcnow
from workflow.kernel.errors import DelegationRefused, Forbidden, InvalidInput, NotFound

APPROVER_ROLES = ("dept_head", "logistics")
# The roles that may receive each approving role's delegation (see the module's docstring).
ELIGIBLE_DELEGATES = {"dept_head": ("dept_head", "logistics"), "logistics": ("logistics",)}


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


def may_review(actor: Actor, level: str | None, department_id: int) -> bool:
    """At the first level, the head of the item's department; at the second, logistics.

    `level` is "first" or "second" as the item's flow names its state (approvals.flow.Flow.level_of)."""
    if level == "first":
        return actor.role == "dept_head" and actor.department_id == department_id
    if level == "second":
        return actor.role == "logistics"
    return False


def may_receive(delegator_role: str, delegate_role: str) -> bool:
    """Whether someone of `delegate_role` may hold the approvals of someone of `delegator_role`."""
    return delegate_role in ELIGIBLE_DELEGATES.get(delegator_role, ())


def eligible(delegator, delegate):
    """SQL: the delegate's role may receive the delegator's (checked at every use, not only when made)."""
    return or_(*[and_(delegator.role == role, delegate.role.in_(roles)) for role, roles in ELIGIBLE_DELEGATES.items()])


# Every role that may hold someone else's approvals; anyone else has no delegators to look up.
RECEIVING_ROLES = frozenset(role for roles in ELIGIBLE_DELEGATES.values() for role in roles)


def view(d: Delegation, names: dict) -> dict:
    return {"id": d.id, "delegator": names.get(d.delegator_id), "delegate": names.get(d.delegate_id),
            "starts_at": d.starts_at, "ends_at": d.ends_at, "revoked_at": d.revoked_at}


def delegate(delegate_username: str, starts_at: dt.datetime, ends_at: dt.datetime, actor: Actor, uow,
             now: dt.datetime | None = None) -> dict:
    if not actor.is_(*APPROVER_ROLES):
        raise Forbidden("only approvers delegate their approvals")
    if ends_at <= starts_at:
        raise InvalidInput("period backwards", {"ends_at": ["Must be after starts_at."]})
    now = now or utcnow()
    # Days as the office counts them: a delegation may start earlier today, not yesterday.
    if starts_at.astimezone(uow.office_tz).date() < now.astimezone(uow.office_tz).date():
        raise DelegationRefused("delegation_in_past", "a delegation cannot start in the past",
                                {"starts_at": ["Must be today or later."]})
    max_days = int(uow.policy_document.data["queue"]["delegation_max_days"])
    if ends_at - starts_at > dt.timedelta(days=max_days):
        raise DelegationRefused("delegation_too_long", f"a delegation lasts at most {max_days} days",
                                {"ends_at": [f"At most {max_days} days after starts_at."]}, max_days=max_days)
    with uow:
        other = uow.users.by_username(delegate_username, active_only=True)
        if other is None or other.id == actor.id:
            raise InvalidInput("no such colleague", {"delegate": ["An active colleague other than you."]})
        if not may_receive(actor.role, other.role):
            raise DelegationRefused("delegate_not_eligible", "this colleague may not hold your approvals",
                                    {"delegate": [f"Must be one of the roles: {', '.join(ELIGIBLE_DELEGATES[actor.role])}."]})
        row = uow.delegations.add(Delegation(delegator_id=actor.id, delegate_id=other.id, starts_at=starts_at,
                                             ends_at=ends_at, created_at=utcnow()))
        uow.commit()
        return view(row, {actor.id: actor.username, other.id: other.username})


def my_delegations(actor: Actor, uow) -> list[dict]:
    with uow:
        rows = uow.delegations.of(actor.id)
        names = uow.users.names({r.delegator_id for r in rows} | {r.delegate_id for r in rows})
        return [view(r, names) for r in rows]


def revoke(delegation_id: int, actor: Actor, uow) -> None:
    with uow:
        row = uow.delegations.get(delegation_id)
        if row is None or row.delegator_id != actor.id:
            raise NotFound("no such delegation of yours")
        row.revoked_at = row.revoked_at or utcnow()
        uow.delegations.save()
        uow.commit()
