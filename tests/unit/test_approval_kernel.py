"""The approval kernel: flows are declarations, one `move` changes a state, shared machinery names no flow.

The stores behind the unit of work are tested in tests/services/test_flow_stores.py and
tests/http/test_flow_stores_http.py."""
from __future__ import annotations

import ast
import pathlib

import pytest

from tests import support
from workflow.approvals.flow import DECISIONS, REVIEWER
from workflow.kernel import events
from workflow.kernel.machines import triggers
from workflow.worklist.registry import FLOWS

WORKFLOW = support.ROOT / "workflow"


def _source(path: pathlib.Path) -> str:
    return path.read_text(encoding="utf-8")


# ---- the declarations ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(FLOWS))
def test_each_flow_declares_actions_its_machine_has_and_topics_the_outbox_knows(name):
    flow = FLOWS[name]
    assert flow.name == name
    every_trigger = set().union(*(triggers(flow.machine, s) for s in flow.machine.states))
    assert flow.actions <= every_trigger, flow.actions - every_trigger
    assert {a for a in DECISIONS if flow.who[a] == REVIEWER} == set(DECISIONS)
    assert {flow.first_level, flow.second_level} <= set(flow.review_states) <= set(flow.machine.states)
    for topic in flow.topics.values():
        assert topic in events.PAYLOADS, topic
    assert set(flow.steps) <= flow.actions | {"submit"}


def test_the_flows_are_the_supply_and_the_trip_requests():
    assert sorted(FLOWS) == ["supply_request", "trip_request"]


# ---- one path -----------------------------------------------------------------------------------

def _calls(path: pathlib.Path, name: str) -> list[int]:
    tree = ast.parse(_source(path))
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call)
            and ((isinstance(n.func, ast.Name) and n.func.id == name)
                 or (isinstance(n.func, ast.Attribute) and n.func.attr == name))]


def test_only_the_kernel_fires_a_flow_machine():
    """A state changes in one place (approvals/kernel.py): every service, escalation and step goes through it."""
    firing = {str(p.relative_to(support.ROOT)): lines for p in WORKFLOW.rglob("*.py")
              if "migrations" not in p.parts and (lines := _calls(p, "fire"))}
    assert set(firing) == {"workflow/approvals/kernel.py"}, firing


# The modules written once over the registry of flows: none names a flow.
OVER_THE_REGISTRY = ["workflow/worklist/queue.py", "workflow/worklist/reminders.py", "workflow/approvals/kernel.py",
                     "api/act_links.py", "api/web/approvals.py", "workflow/runtime/metrics.py"]


@pytest.mark.parametrize("path", OVER_THE_REGISTRY)
def test_shared_machinery_never_branches_on_a_flow(path):
    text = _source(support.ROOT / path)
    for name in FLOWS:
        assert f'"{name}"' not in text and f"'{name}'" not in text, f"{path} names the flow {name}"
    for module in ("supply_requests", "trip_requests", "dispatch"):
        assert f"import {module}" not in text and f".{module} import" not in text, f"{path} imports {module}"
