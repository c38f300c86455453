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

Two levels, two people: `reviewer` is the one entitlement check of both flows (supply and trip
requests). Nobody who ever acted at a request's first level, in their own right or through a
delegate (as actor or as on-behalf-of principal), acts at its second level in any capacity; the
whole history counts, so a later round (returned and resubmitted, or escalated by the system
because nobody decided in time) does not wash out an earlier first-level decision.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import ForeignKey, Index, and_, or_, select
from sqlalchemy.orm import Mapped, aliased, mapped_column

from .access import Actor
from .db import Base, UTCDateTime, utcnow
from .errors import DelegationRefused, Forbidden, InvalidInput, NotFound, SameApprover

APPROVER_ROLES = ("dept_head", "logistics")
FIRST_LEVEL = ("dept_review", "requested")
SECOND_LEVEL = ("office_review",)
DECISIONS = ("approve", "return", "reject")
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


def may_review(actor: Actor, status: str, department_id: int) -> bool:
    """First level: the head of the request's department; second level: logistics."""
    if status in FIRST_LEVEL:
        return actor.role == "dept_head" and actor.department_id == department_id
    if status == "office_review":
        return actor.role == "logistics"
    return False


def may_receive(delegator_role: str, delegate_role: str) -> bool:
    """Whether someone of `delegate_role` may hold the approvals of someone of `delegator_role`."""
    return delegate_role in ELIGIBLE_DELEGATES.get(delegator_role, ())


def _eligible(delegator, delegate):
    """SQL: the delegate's role may receive the delegator's (checked at every use, not only when made)."""
    return or_(*[and_(delegator.role == role, delegate.role.in_(roles)) for role, roles in ELIGIBLE_DELEGATES.items()])


def active_delegators(s, delegate_id: int, now: dt.datetime | None = None) -> list:
    from .people import User

    now = now or utcnow()
    delegate = aliased(User)
    return list(s.scalars(select(User).join(Delegation, Delegation.delegator_id == User.id)
                          .join(delegate, delegate.id == Delegation.delegate_id).where(
        Delegation.delegate_id == delegate_id, Delegation.revoked_at.is_(None),
        Delegation.starts_at <= now, Delegation.ends_at > now, User.active.is_(True), _eligible(User, delegate))))


def active_delegates(s, delegator_ids: list[int], now: dt.datetime | None = None) -> list[int]:
    from .people import User

    now = now or utcnow()
    delegator, delegate = aliased(User), aliased(User)
    return list(s.scalars(select(Delegation.delegate_id)
                          .join(delegator, delegator.id == Delegation.delegator_id)
                          .join(delegate, delegate.id == Delegation.delegate_id).where(
        Delegation.delegator_id.in_(delegator_ids), Delegation.revoked_at.is_(None),
        Delegation.starts_at <= now, Delegation.ends_at > now, _eligible(delegator, delegate))))


def first_level_people(s, entity_type: str, entity_id: int) -> set[int]:
    """Everyone who decided at the item's first level, ever: actors and the people they acted for."""
    from .audit import AuditEvent

    rows = s.execute(select(AuditEvent.actor_id, AuditEvent.on_behalf_of_id).where(
        AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id,
        AuditEvent.from_state.in_(FIRST_LEVEL), AuditEvent.action.in_(DECISIONS))).all()
    return {person for row in rows for person in row if person is not None}


def _capacities(s, actor: Actor, req):
    """The ways the caller may review `req`, their own right first; delegations read only if needed."""
    if may_review(actor, req.status, req.department_id):
        yield actor
    for delegator in active_delegators(s, actor.id):
        if delegator.id != req.requester_id and may_review(delegator.as_actor(), req.status, req.department_id):
            yield replace(actor, on_behalf_of_id=delegator.id)


def reviewer(s, actor: Actor, action: str, entity_type: str, req) -> Actor:
    """Who reviews `req` (a supply or trip request): the caller in their own right, or on behalf of a
    colleague who delegated to them; never the requester, never one person at both levels.

    `req` has `id`, `status`, `department_id` and `requester_id`.
    """
    if req.requester_id == actor.id:
        raise Forbidden("nobody approves their own request", security=True)
    capacities = _capacities(s, actor, req)
    if req.status not in SECOND_LEVEL:
        found = next(capacities, None)
        if found is None:
            raise Forbidden(f"you may not {action} an item in {req.status}")
        return found
    earlier, entitled = first_level_people(s, entity_type, req.id), False
    for capacity in capacities:
        if not {capacity.id, capacity.on_behalf_of_id} & earlier:
            return capacity
        entitled = True
    if not entitled:
        raise Forbidden(f"you may not {action} an item in {req.status}")
    raise SameApprover("the first level of this request was decided by you or for you: "
                       "someone else decides the second", security=True)


def view(d: Delegation, names: dict) -> dict:
    return {"id": d.id, "delegator": names.get(d.delegator_id), "delegate": names.get(d.delegate_id),
            "starts_at": d.starts_at, "ends_at": d.ends_at, "revoked_at": d.revoked_at}


def delegate(delegate_username: str, starts_at: dt.datetime, ends_at: dt.datetime, actor: Actor, uow,
             now: dt.datetime | None = None) -> dict:
    from .people import User

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
        s = uow.session
        other = s.scalar(select(User).where(User.username == delegate_username, User.active.is_(True)))
        if other is None or other.id == actor.id:
            raise InvalidInput("no such colleague", {"delegate": ["An active colleague other than you."]})
        if not may_receive(actor.role, other.role):
            raise DelegationRefused("delegate_not_eligible", "this colleague may not hold your approvals",
                                    {"delegate": [f"Must be one of the roles: {', '.join(ELIGIBLE_DELEGATES[actor.role])}."]})
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
