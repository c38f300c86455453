"""The procurement flow's state machine, fired on plain objects through `workflow.kernel.machines.fire`."""
from __future__ import annotations

import gc

import pytest
import transitions.core

from workflow.kernel.errors import IllegalStep
from workflow.kernel.machines import fire
from workflow.procurement.model import STATES, SUPPLY_MACHINE


class Paperwork:
    """Anything with a `status`: the machine needs no database row."""

    def __init__(self, status: str):
        self.status = status


# The procurement flow of DESIGN.md: what each state allows, written out independently of the machine.
ALLOWED = {
    "draft": {"submit", "cancel"},
    "dept_review": {"approve", "return", "reject", "cancel", "escalate"},  # escalate: overdue, by the system
    "office_review": {"approve", "return", "reject"},
    "returned": {"resubmit", "cancel"},
    "approved": {"order"},
    "ordered": {"receive"},
    "received": set(),
    "rejected": set(),
    "cancelled": set(),
}
ACTIONS = sorted(set().union(*ALLOWED.values()))

LEGAL = [
    pytest.param("draft", "submit", {}, "dept_review", id="submit-goes-to-dept-review"),
    pytest.param("draft", "submit", {"skip_dept": False}, "dept_review", id="submit-skip-false-goes-to-dept-review"),
    pytest.param("draft", "submit", {"skip_dept": True}, "office_review", id="submit-by-head-skips-to-office-review"),
    pytest.param("returned", "resubmit", {}, "dept_review", id="resubmit-goes-to-dept-review"),
    pytest.param("returned", "resubmit", {"skip_dept": True}, "office_review",
                 id="resubmit-by-head-skips-to-office-review"),
    pytest.param("dept_review", "approve", {}, "approved", id="dept-approve-without-office-is-approved"),
    pytest.param("dept_review", "approve", {"needs_office": False}, "approved", id="dept-approve-office-false-is-approved"),
    pytest.param("dept_review", "approve", {"needs_office": True}, "office_review",
                 id="dept-approve-needing-office-goes-to-office-review"),
    pytest.param("office_review", "approve", {}, "approved", id="office-approve-is-approved"),
    pytest.param("office_review", "approve", {"needs_office": True}, "approved",
                 id="office-approve-is-approved-even-when-office-needed"),
    pytest.param("dept_review", "return", {}, "returned", id="dept-return"),
    pytest.param("office_review", "return", {}, "returned", id="office-return"),
    pytest.param("dept_review", "reject", {}, "rejected", id="dept-reject"),
    pytest.param("office_review", "reject", {}, "rejected", id="office-reject"),
    pytest.param("draft", "cancel", {}, "cancelled", id="cancel-draft"),
    pytest.param("returned", "cancel", {}, "cancelled", id="cancel-returned"),
    pytest.param("dept_review", "cancel", {}, "cancelled", id="cancel-in-dept-review"),
    pytest.param("approved", "order", {}, "ordered", id="order-approved"),
    pytest.param("ordered", "receive", {}, "received", id="receive-ordered"),
    pytest.param("dept_review", "escalate", {}, "office_review", id="overdue-escalates-to-office-review"),
]


@pytest.mark.parametrize("state, action, context, dest", LEGAL)
def test_legal_step_moves_the_status_and_reports_from_and_to(state, action, context, dest):
    obj = Paperwork(state)
    assert fire(SUPPLY_MACHINE, obj, action, **context) == (state, dest)
    assert obj.status == dest


def test_legal_table_covers_every_allowed_action_of_the_design():
    covered = {(case.values[0], case.values[1]) for case in LEGAL}
    assert covered == {(state, action) for state, actions in ALLOWED.items() for action in actions}


ILLEGAL = [
    pytest.param(state, action, id=f"{action}-from-{state}")
    for state in STATES for action in ACTIONS if action not in ALLOWED[state]
] + [
    pytest.param("draft", "to_approved", id="auto-transition-name-from-draft"),
    pytest.param("approved", "launch", id="unknown-action-from-approved"),
]


@pytest.mark.parametrize("state, action", ILLEGAL)
def test_illegal_step_raises_with_the_allowed_actions_and_keeps_the_status(state, action):
    obj = Paperwork(state)
    with pytest.raises(IllegalStep) as raised:
        fire(SUPPLY_MACHINE, obj, action, skip_dept=True, needs_office=True)
    # What people are offered: every allowed step except the system's own (escalate).
    assert raised.value.extra["allowed"] == sorted(ALLOWED[state] - {"escalate"})
    assert obj.status == state


def test_machine_states_are_those_of_the_design():
    assert set(SUPPLY_MACHINE.states) == set(ALLOWED)
    assert SUPPLY_MACHINE.initial == "draft"


def test_machine_has_no_auto_transitions():
    assert "to_draft" not in SUPPLY_MACHINE.events
    assert not [name for name in SUPPLY_MACHINE.events if name.startswith("to_")]
    for state in STATES:
        assert set(SUPPLY_MACHINE.get_triggers(state)) == ALLOWED[state]


def test_firing_on_many_objects_builds_no_machine_and_registers_no_model(monkeypatch):
    built = []
    original_init = transitions.core.Machine.__init__

    def counting_init(self, *args, **kwargs):
        built.append(self)
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(transitions.core.Machine, "__init__", counting_init)
    requests = [Paperwork("draft") for _ in range(1000)]
    for i, obj in enumerate(requests):
        fire(SUPPLY_MACHINE, obj, "submit", skip_dept=bool(i % 2))
        fire(SUPPLY_MACHINE, obj, "approve")
    assert built == []
    assert len(SUPPLY_MACHINE.models) == 0
    assert {obj.status for obj in requests} == {"approved"}


def test_there_is_exactly_one_procurement_machine_object():
    from workflow.procurement import model

    supply_machines = [o for o in gc.get_objects()
                       if isinstance(o, transitions.core.Machine) and set(o.states) == set(STATES)]
    assert supply_machines == [SUPPLY_MACHINE]
    assert model.SUPPLY_MACHINE is SUPPLY_MACHINE
