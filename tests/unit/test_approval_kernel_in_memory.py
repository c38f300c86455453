"""The approval kernel on an in-memory unit of work: a new flow is a declaration and a store, nothing else.

A leave-of-absence flow (not one of Jieyue's) is declared here on the kernel with its items kept
in a dict. Every rule the kernel owns is then checked without a database: visibility (hidden
answers like missing), the version check, the machine, the requester's and the reviewers' rights,
delegation, separation of duties across the two levels, the comment rule, the audit trail and
the outbox events. The database-backed stores are tested in tests/services/test_flow_stores.py.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from workflow.approvals import kernel
from workflow.approvals.flow import DECISIONS, REQUESTER, REVIEWER, Flow, StepResult, due_in_working_days
from workflow.kernel.access import Actor
from workflow.kernel.errors import Forbidden, IllegalStep, InvalidInput, NotFound, SameApprover, StaleVersion
from workflow.kernel.machines import build, condition

STATES = ["draft", "dept_review", "office_review", "approved", "returned", "rejected"]
MACHINE = build(STATES, [
    {"trigger": "submit", "source": "draft", "dest": "dept_review"},
    {"trigger": "approve", "source": "dept_review", "dest": "office_review", "conditions": condition("needs_office")},
    {"trigger": "approve", "source": "dept_review", "dest": "approved"},
    {"trigger": "approve", "source": "office_review", "dest": "approved"},
    {"trigger": "return", "source": ["dept_review", "office_review"], "dest": "returned"},
    {"trigger": "reject", "source": ["dept_review", "office_review"], "dest": "rejected"},
], "draft")


@dataclass
class Leave:
    """An item as the kernel needs it: id, number, status, version, requester, department, times."""

    id: int
    requester_id: int
    department_id: int
    days: int
    status: str = "draft"
    version: int = 1
    number: str = ""
    policy_version: str = "test"
    updated_at: dt.datetime | None = None
    status_changed_at: dt.datetime | None = None

    @property
    def needs_office_review(self) -> bool:
        return self.days > 3  # a long absence goes to the office as well


class LeaveStore:
    """The whole store of the new flow: get and a version-guarded save, over a dict."""

    def __init__(self):
        self.items: dict[int, Leave] = {}
        self.saved: dict[int, dict] = {}  # what the database would hold: the item as last saved

    def put(self, item: Leave) -> Leave:
        item.number = f"LV-{item.id:04d}"
        self.items[item.id] = item
        self.saved[item.id] = dict(vars(item))
        return item

    def get(self, item_id: int, *, lock: bool = False) -> Leave | None:
        row = self.saved.get(item_id)
        return None if row is None else Leave(**row)  # a fresh copy, as a new transaction would read it

    def save(self, item: Leave, read_version: int, fields: tuple[str, ...]) -> None:
        if self.saved[item.id]["version"] != read_version:
            raise StaleVersion("the leave request changed since you read it")
        self.saved[item.id] = dict(vars(item))


@dataclass
class Decisions:
    """`uow.reads.core` for the one statement the kernel reads: who decided an item at its first level."""

    events: list

    def core(self, _statement, params: dict):
        rows = [(e["actor"].id, e["actor"].on_behalf_of_id) for e in self.events
                if e["entity"] == (params["flow"], params["item"]) and e["from_state"] == params["state"]
                and e["action"] in DECISIONS]
        return type("Result", (), {"all": staticmethod(lambda: rows)})()


@dataclass
class Delegations:
    held: dict = field(default_factory=dict)  # delegate id -> the users whose approvals they hold

    def active_delegators(self, delegate_id: int) -> list:
        return self.held.get(delegate_id, [])


class MemoryUnitOfWork:
    """The unit of work's surface the kernel uses, in memory: stores, reads, record, emit, commit."""

    def __init__(self):
        self.leave_requests = LeaveStore()
        self.delegations = Delegations()
        self.audit: list[dict] = []
        self.outbox: list[tuple] = []
        self.reads = Decisions(self.audit)
        self.commits = 0
        self._pending: tuple[list, list] = ([], [])

    def __enter__(self):
        self._pending = ([], [])
        return self

    def __exit__(self, *exc):
        self._pending = ([], [])  # leaving without commit keeps nothing

    def commit(self):
        self.audit.extend(self._pending[0])
        self.outbox.extend(self._pending[1])
        self._pending = ([], [])
        self.commits += 1

    def record(self, entity_type, entity_id, action, actor, **details):
        self._pending[0].append({"entity": (entity_type, entity_id), "action": action, "actor": actor, **details})

    def emit_all(self, aggregate_type, aggregate_id, events):
        self._pending[1].extend((topic, aggregate_id, payload) for topic, payload in events)


def _view(uow, item, actor) -> dict:
    return {"id": item.id, "status": item.status, "version": item.version}


LEAVE_FLOW = Flow(
    name="leave_request", label="leave request", metric="leave", path="leave-requests",
    machine=MACHINE, store="leave_requests", model=None,
    first_level="dept_review", second_level="office_review", readers=frozenset({"logistics"}),
    who={"submit": REQUESTER, "approve": REVIEWER, "return": REVIEWER, "reject": REVIEWER},
    topics={"submit": "leave.submitted", "approve": "leave.advanced", "approve:final": "leave.approved",
            "return": "leave.returned", "reject": "leave.rejected"},
    review_states=("dept_review", "office_review"),
    steps={"submit": lambda uow, item, actor, details: StepResult(data={"days": item.days})},
    view=_view, queue_item=None, due_at=due_in_working_days)

STAFF = Actor(1, "staff1", "staff", 10)
OTHER_STAFF = Actor(2, "staff2", "staff", 20)
HEAD = Actor(3, "head1", "dept_head", 10)
OTHER_HEAD = Actor(4, "head2", "dept_head", 20)
LOGISTICS = Actor(5, "logistics", "logistics", None)
LOGISTICS_TOO = Actor(6, "logistics2", "logistics", None)


@pytest.fixture
def uow():
    return MemoryUnitOfWork()


def _leave(uow, days=2, item_id=1) -> Leave:
    return uow.leave_requests.put(Leave(id=item_id, requester_id=STAFF.id, department_id=STAFF.department_id,
                                        days=days))


def _act(uow, action, actor, **details):
    version = uow.leave_requests.saved[1]["version"]
    return kernel.act(LEAVE_FLOW, 1, action, version, actor, uow, **details)


def test_a_short_leave_goes_through_its_head_and_is_recorded_and_announced(uow):
    _leave(uow, days=2)
    assert _act(uow, "submit", STAFF) == {"id": 1, "status": "dept_review", "version": 2}
    assert _act(uow, "approve", HEAD)["status"] == "approved"
    assert [(e["action"], e["from_state"], e["to_state"], e["actor"].id) for e in uow.audit] == [
        ("submit", "draft", "dept_review", STAFF.id), ("approve", "dept_review", "approved", HEAD.id)]
    assert uow.audit[0]["data"] == {"days": 2}  # the flow's step adds to the audit event
    assert [(topic, payload["to"]) for topic, _, payload in uow.outbox] == [
        ("leave.submitted", "dept_review"), ("task.assigned", "dept_review"), ("leave.approved", "approved")]


def test_a_long_leave_needs_the_office_too(uow):
    _leave(uow, days=5)
    _act(uow, "submit", STAFF)
    assert _act(uow, "approve", HEAD)["status"] == "office_review"
    assert _act(uow, "approve", LOGISTICS)["status"] == "approved"
    assert [t for t, _, _ in uow.outbox if t.startswith("leave.")] == ["leave.submitted", "leave.advanced",
                                                                        "leave.approved"]


def test_a_hidden_item_answers_like_a_missing_one(uow):
    _leave(uow)
    with pytest.raises(NotFound) as hidden:
        _act(uow, "submit", OTHER_STAFF)
    with pytest.raises(NotFound) as missing:
        kernel.act(LEAVE_FLOW, 99, "submit", 1, STAFF, uow)
    assert str(hidden.value) == str(missing.value) == "no such leave request"


def test_a_stale_version_and_a_step_the_machine_has_not_are_refused_and_change_nothing(uow):
    _leave(uow)
    with pytest.raises(StaleVersion):
        kernel.act(LEAVE_FLOW, 1, "submit", 7, STAFF, uow)
    with pytest.raises(IllegalStep):
        _act(uow, "approve", HEAD)  # a draft is not reviewed
    assert uow.leave_requests.saved[1]["status"] == "draft" and uow.audit == [] and uow.outbox == []


def test_only_the_requester_submits_and_only_the_head_of_the_department_decides(uow):
    _leave(uow)
    with pytest.raises(Forbidden):
        _act(uow, "submit", HEAD)
    _act(uow, "submit", STAFF)
    with pytest.raises(NotFound):
        _act(uow, "approve", OTHER_HEAD)  # another department's head does not even see it
    with pytest.raises(Forbidden):
        _act(uow, "approve", LOGISTICS)  # logistics reads it, but the first level is the head's


def test_returning_needs_a_comment(uow):
    _leave(uow)
    _act(uow, "submit", STAFF)
    with pytest.raises(InvalidInput):
        _act(uow, "return", HEAD, comment="  ")
    assert _act(uow, "return", HEAD, comment="Which days?")["status"] == "returned"
    assert uow.audit[-1]["comment"] == "Which days?"


class _User:
    """A delegator as the delegation store answers: the user, who acts as an Actor."""

    def __init__(self, actor: Actor):
        self.id, self._actor = actor.id, actor

    def as_actor(self) -> Actor:
        return self._actor


def test_a_delegate_decides_on_the_approvers_behalf(uow):
    _leave(uow)
    _act(uow, "submit", STAFF)
    uow.delegations.held[OTHER_HEAD.id] = [_User(HEAD)]
    assert _act(uow, "approve", OTHER_HEAD)["status"] == "approved"
    decided = uow.audit[-1]["actor"]
    assert (decided.id, decided.on_behalf_of_id) == (OTHER_HEAD.id, HEAD.id)


def test_nobody_decides_at_both_levels_not_even_through_a_delegation(uow):
    _leave(uow, days=5)
    _act(uow, "submit", STAFF)
    uow.delegations.held[LOGISTICS_TOO.id] = [_User(HEAD)]  # the head is away: logistics2 holds the approvals
    assert _act(uow, "approve", LOGISTICS_TOO)["status"] == "office_review"
    with pytest.raises(SameApprover):
        _act(uow, "approve", LOGISTICS_TOO)  # now in their own right, at the second level
    assert _act(uow, "approve", LOGISTICS)["status"] == "approved"
