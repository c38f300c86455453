"""What every approval flow shares: load and lock, visibility, entitlement, the machine, the version
check, the chained audit event, the outbox events and the answer.

`act` is the one way a person moves an item of any flow; `move` is the one way its state changes
(used by `act`, by the system's escalation and by steps that move several items together).
"""
from __future__ import annotations

from sqlalchemy import select

from workflow.kernel.access import Actor
from workflow.kernel.db import utcnow
from workflow.kernel.errors import Forbidden, InvalidInput, NotFound, StaleVersion
from workflow.kernel.machines import fire, triggers
from workflow.people.accounts import User
from workflow.people.delegation import RECEIVING_ROLES

from .flow import REQUESTER, REVIEWER, Flow, StepResult
from .reviewers import reviewer


class KeepAndRefuse(Exception):
    """Raised by a step that refuses the action but whose writes (a record of the refusal) must be kept.

    The kernel commits what the step wrote, then raises `refusal` to the caller.
    """

    def __init__(self, refusal: Exception):
        super().__init__(str(refusal))
        self.refusal = refusal


def may_view(flow: Flow, uow, item, actor: Actor) -> bool:
    """The actor may read the item: their own, their department's as its head, a reader's role, or the flow's rule."""
    return (item.requester_id == actor.id or actor.role in flow.readers
            or (actor.role == "dept_head" and actor.department_id == item.department_id)
            or (flow.also_visible_to is not None and flow.also_visible_to(uow, item, actor)))


def visible(flow: Flow, uow, item, actor: Actor):
    """The item, or NotFound when the actor (or no colleague who delegated to them) may see it.

    Hidden items answer exactly like missing ones, so ids cannot be probed.
    """
    if item is None or not (may_view(flow, uow, item, actor) or (actor.role in RECEIVING_ROLES and any(
            may_view(flow, uow, item, colleague.as_actor()) for colleague in uow.delegations.active_delegators(actor.id)))):
        raise NotFound(f"no such {flow.label}")
    return item


def load(flow: Flow, uow, item_id: int, actor: Actor, *, lock: bool = False):
    """The item as the flow's store reads it, if the actor may see it."""
    return visible(flow, uow, flow.store_of(uow).get(item_id, lock=lock), actor)


def entitled(flow: Flow, uow, item, action: str, actor: Actor) -> Actor:
    """The actor the action is recorded for (a delegate acts on the approver's behalf), or Forbidden."""
    who = flow.who[action]
    if who == REQUESTER:
        if item.requester_id != actor.id:
            raise Forbidden(f"only the requester may {action}")
        return actor
    if who == REVIEWER:
        return reviewer(uow, flow, actor, action, item)
    assert callable(who)
    if not who(uow, item, actor):
        raise Forbidden(f"you may not {action} this {flow.label}")
    return actor


def act(flow: Flow, item_id: int, action: str, version: int, actor: Actor, uow, **details) -> dict:
    """Take `action` on an item of `flow`, with every check, audit event and outbox event; the item's answer.

    `details` are the action's own inputs (a comment, a justification, a vehicle...), read by the flow's step.
    """
    if action not in flow.actions:
        raise NotFound(f"no action {action}")
    with uow:
        item = load(flow, uow, item_id, actor, lock=True)
        if item.version != version:
            raise StaleVersion(f"the {flow.label} changed since you read it", current_version=item.version)
        if action not in triggers(flow.machine, item.status):
            fire(flow.machine, item, action)  # raises IllegalStep listing the allowed actions
        actor = entitled(flow, uow, item, action, actor)
        comment = details.get("comment")
        if action in flow.comment_required and not (comment and comment.strip()):
            raise InvalidInput(f"{action} needs a comment", {"comment": ["Required when returning or rejecting."]})
        step = flow.steps.get(action)
        try:
            done = step(uow, item, actor, details) if step else StepResult()
        except KeepAndRefuse as kept:
            uow.commit()
            raise kept.refusal from None
        data = dict(done.data or {})
        if details.get("justification"):
            data["justification"] = details["justification"]
        # Every flow's item says whether it needs the second level; the machine's guard reads it.
        for moving in sorted([item, *done.companions], key=lambda i: i.id):
            move(flow, uow, moving, action, actor, context={"needs_office": moving.needs_office_review} | done.context,
                 comment=comment, data=data or None)
        answer = flow.view(uow, item, actor)
        uow.commit()
        return answer


def move(flow: Flow, uow, item, action: str, actor: Actor, *, context: dict | None = None, comment=None,
         data=None, read_version: int | None = None, recorded_from: str | None | bool = True,
         events: bool = True) -> tuple[str, str]:
    """Fire `action` on a loaded, locked item and keep it: new version and times, the flow's own
    after-effects, the store's write (guarded by the version read), the audit event and the outbox events.

    `recorded_from=None` records no from-state (an item filed and submitted in one step).
    """
    read_version = item.version if read_version is None else read_version
    before, after = fire(flow.machine, item, action, **(context or {}))
    item.updated_at = item.status_changed_at = utcnow()
    fields: tuple[str, ...] = ("status", "version", "updated_at", "status_changed_at")
    if (extra := flow.applied.get(action)) is not None:
        fields += extra(uow, item, action)
    # The new version last: the flow's after-effects may read, and a read must not write it early.
    item.version = read_version + 1
    flow.store_of(uow).save(item, read_version, fields)
    uow.record(flow.name, item.id, action, actor, from_state=before if recorded_from is True else recorded_from,
           to_state=after, comment=comment, policy_version=item.policy_version, data=data)
    if events:
        uow.emit_all(flow.name, item.id, moved_events(flow, item, action, before, after, actor, comment))
    return before, after


def moved_events(flow: Flow, item, action: str, before: str, after: str, actor: Actor, comment) -> list:
    """The outbox events of a move: the flow's topic for the action, and a task when a reviewer must act next."""
    base = {"number": item.number, "requester_id": item.requester_id, "department_id": item.department_id,
            "actor_id": actor.id, "from": before, "to": after, "comment": comment or ""}
    events: list[tuple[str, dict]] = []
    if topic := flow.topic(action, after):
        events.append((topic, base))
    if after in flow.review_states:
        events.append(("task.assigned", base | {"level": after, "version": item.version}))
    return events


def get(flow: Flow, item_id: int, actor: Actor, uow) -> dict:
    """The item's answer, if the actor may see it."""
    with uow:
        return flow.view(uow, load(flow, uow, item_id, actor), actor)


def history(flow: Flow, item_id: int, actor: Actor, uow) -> list[dict]:
    """The item's audit trail, if the actor may see it."""
    with uow:
        load(flow, uow, item_id, actor)
        return history_view(uow, flow.name, item_id)


def history_view(uow, entity_type: str, entity_id: int) -> list[dict]:
    """The item's audit trail, oldest first, with the people named."""
    events = uow.audit_trail.of(entity_type, entity_id)
    ids = {e.actor_id for e in events} | {e.on_behalf_of_id for e in events if e.on_behalf_of_id}
    names = dict(uow.reads.execute(select(User.id, User.username).where(User.id.in_(ids))).all()) if ids else {}
    return [{"id": e.id, "action": e.action, "from_state": e.from_state, "to_state": e.to_state,
             "actor": names.get(e.actor_id), "on_behalf_of": names.get(e.on_behalf_of_id),
             "comment": e.comment, "policy_version": e.policy_version, "data": e.data,
             "created_at": e.created_at} for e in events]
