"""Who reviews an item: the approver of its level in their own right, or a delegate on their behalf.

Two levels, two people, in every flow: nobody who ever acted at an item's first level, in their own
right or through a delegate (as actor or as on-behalf-of principal), acts at its second level in any
capacity. The whole history counts, so a later round (returned and resubmitted, or escalated by the
system because nobody decided in time) does not wash out an earlier first-level decision.
"""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import bindparam, select

from workflow.kernel.access import Actor
from workflow.kernel.audit import AuditEvent
from workflow.kernel.errors import Forbidden, SameApprover
from workflow.people.delegation import may_review
from .flow import DECISIONS, Flow


# Built once, run without the ORM (uow.reads.core): the separation-of-duties read is one plain statement.
_DECIDERS = select(AuditEvent.actor_id, AuditEvent.on_behalf_of_id).where(
    AuditEvent.entity_type == bindparam("flow"), AuditEvent.entity_id == bindparam("item"),
    AuditEvent.from_state == bindparam("state"), AuditEvent.action.in_(DECISIONS))


def first_level_people(uow, flow: Flow, item_id: int) -> set[int]:
    """Everyone who decided at the item's first level, ever: actors and the people they acted for."""
    rows = uow.reads.core(_DECIDERS, {"flow": flow.name, "item": item_id, "state": flow.first_level}).all()
    return {person for row in rows for person in row if person is not None}


def _capacities(uow, flow: Flow, actor: Actor, item):
    """The ways the caller may review the item, their own right first; delegations read only if needed."""
    level = flow.level_of(item.status)
    if may_review(actor, level, item.department_id):
        yield actor
    for delegator in uow.delegations.active_delegators(actor.id):
        if delegator.id != item.requester_id and may_review(delegator.as_actor(), level, item.department_id):
            yield replace(actor, on_behalf_of_id=delegator.id)


def reviewer(uow, flow: Flow, actor: Actor, action: str, item) -> Actor:
    """Who decides `item` now: the caller in their own right, or on behalf of a colleague who delegated
    to them; never the requester, never one person at both levels.

    `item` has `id`, `status`, `department_id` and `requester_id`.
    """
    if item.requester_id == actor.id:
        raise Forbidden("nobody approves their own request", security=True)
    capacities = _capacities(uow, flow, actor, item)
    if item.status != flow.second_level:
        found = next(capacities, None)
        if found is None:
            raise Forbidden(f"you may not {action} an item in {item.status}")
        return found
    earlier, entitled = first_level_people(uow, flow, item.id), False
    for capacity in capacities:
        if not {capacity.id, capacity.on_behalf_of_id} & earlier:
            return capacity
        entitled = True
    if not entitled:
        raise Forbidden(f"you may not {action} an item in {item.status}")
    raise SameApprover("the first level of this request was decided by you or for you: "
                       "someone else decides the second", security=True)
