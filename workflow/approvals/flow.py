"""A flow's declaration: its machine, its store, who may act at each state, its topics and its due-time rule.

Adding a flow is one `Flow(...)` plus the flow's own services (what happens on its steps); the
kernel (`kernel.act`), the queue, bulk approval, reminders and escalation, e-mail action links and
the approval pages read the declaration and never branch on which flow it is.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from transitions import Machine

from workflow.kernel.access import Actor

# Who may take an action besides the checks every action gets (visibility, version, machine):
REQUESTER = "requester"  # the item's requester only
REVIEWER = "reviewer"  # the approver of the item's level, in their own right or by delegation (delegation.reviewer)
# ... or a predicate (uow, item, actor) -> bool, for the flow's own roles (the fleet, a trip's driver).
Who = str | Callable[[Any, Any, Actor], bool]



@dataclass(frozen=True)
class StepResult:
    """What a flow's step hands back to the kernel: flags for the machine's guards, data for the audit event."""

    context: dict = field(default_factory=dict)
    data: dict | None = None
    # Other items, loaded and locked by the step, that take the same action with this one (a carpool).
    companions: list = field(default_factory=list)


# A step: the flow's own work on an action, after the checks and before the machine fires:
# (uow, item, actor, details) -> StepResult, or an error that refuses the action.
Step = Callable[[Any, Any, Actor, dict], StepResult]
# What a decision or a step leaves behind once the machine has fired: (uow, item, action) -> the
# item's fields it changed besides status, version and the time stamps.
Applied = Callable[[Any, Any, str], tuple[str, ...]]

DECISIONS = ("approve", "return", "reject")


@dataclass(frozen=True)
class Flow:
    """One approval flow, declared once."""

    name: str  # the entity type in the audit trail and the outbox, and the queue's kind of a review
    label: str  # for refusals: "no such supply request"
    metric: str  # the label of its transitions in the jieyue_transitions metric
    path: str  # its collection in the API and on the pages: /api/v1/<path>/<id>
    machine: Machine
    store: str  # the unit of work's store of the flow's items: `getattr(uow, store)`
    model: Any  # the mapped class: table metadata for the queue's and reminders' queries
    first_level: str  # the state a department head decides
    second_level: str  # the state logistics decides
    readers: frozenset[str]  # roles that read every item of the flow
    who: Mapping[str, Who]  # every action the flow offers, and who may take it
    topics: Mapping[str, str]  # action -> outbox topic; "approve" and "approve:final" for the two outcomes
    view: Callable[[Any, Any, Actor], dict]  # (uow, item, actor) -> the answer
    queue_item: Callable[..., Any]  # (where, kind, behalf) -> a SELECT of the queue's columns
    due_at: Callable[[dt.datetime, Any, Any, Any], dt.datetime]  # (waiting since, policy, zone, calendar)
    steps: Mapping[str, Step] = field(default_factory=dict)
    applied: Mapping[str, Applied] = field(default_factory=dict)
    # Who else reads an item, beyond its requester, the flow's readers and the head of its department:
    # (uow, item, actor) -> bool, asked only when none of those lets the actor in.
    also_visible_to: Callable[[Any, Any, Actor], bool] | None = None
    comment_required: frozenset[str] = frozenset({"return", "reject"})
    # States where the item waits for an approver: entering one assigns a task.
    review_states: tuple[str, ...] = ()

    @property
    def actions(self) -> frozenset[str]:
        return frozenset(self.who)

    def store_of(self, uow):
        return getattr(uow, self.store)

    def level_of(self, status: str) -> str | None:
        return "first" if status == self.first_level else "second" if status == self.second_level else None

    def topic(self, action: str, after: str) -> str | None:
        if action == "approve" and after not in self.review_states:
            return self.topics.get("approve:final")
        return self.topics.get(action)


def due_in_working_days(waiting_since: dt.datetime, doc, zone, calendar) -> dt.datetime:
    """The usual rule: due `queue.due_working_days` working days (the office's calendar) after reaching its level."""
    return calendar.add_working_days(waiting_since, doc.data["queue"]["due_working_days"], zone)
