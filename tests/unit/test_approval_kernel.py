"""The approval kernel: flows are declarations, one `act` and one `move` for all, one store per aggregate."""
from __future__ import annotations

import ast
import pathlib

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests import support
from tests.lifecycle import run_full_lifecycle
from workflow import events
from workflow.approvals.flow import DECISIONS, REVIEWER
from workflow.approvals.registry import FLOWS
from workflow.errors import StaleVersion
from workflow.machines import triggers
from workflow.supply import SupplyFinding, SupplyLine, SupplyRequest

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
OVER_THE_REGISTRY = ["workflow/queue.py", "workflow/reminders.py", "workflow/approvals/kernel.py",
                     "api/act_links.py", "api/web/approvals.py", "workflow/metrics.py"]


@pytest.mark.parametrize("path", OVER_THE_REGISTRY)
def test_shared_machinery_never_branches_on_a_flow(path):
    text = _source(support.ROOT / path)
    for name in FLOWS:
        assert f'"{name}"' not in text and f"'{name}'" not in text, f"{path} names the flow {name}"
    for module in ("supply_requests", "trip_requests", "dispatch"):
        assert f"import {module}" not in text and f".{module} import" not in text, f"{path} imports {module}"


# ---- one store per aggregate --------------------------------------------------------------------

def test_a_unit_of_work_has_one_store_of_each_kind(runtime):
    with runtime.uow() as uow:
        assert uow.supply_requests is uow.supply_requests
        assert uow.trip_requests is uow.trip_requests
        with pytest.raises(AttributeError, match="no store"):
            _ = uow.purchase_requisitions


def test_the_mapped_classes_never_write_a_supply_request(client):
    """Drafts, revisions, every action, orders and receipts go through the store's statements: the
    ORM flushes no supply request, line or finding during a whole lifecycle."""
    flushed: list[str] = []
    models = (SupplyRequest, SupplyLine, SupplyFinding)

    def note(session, flush_context, instances):
        flushed.extend(type(o).__name__ for o in (*session.new, *session.dirty, *session.deleted)
                       if isinstance(o, models))

    event.listen(Session, "before_flush", note)
    try:
        result = run_full_lifecycle(client)
        status, revised = client.post("staff1", "/api/v1/supply-requests", {
            "purpose": "Pens", "lines": [{"item_id": client.item_id("STA-PEN-G"), "quantity": "1"}]})
        assert status == 201
        status, revised = client.patch("staff1", f"/api/v1/supply-requests/{revised['id']}", {
            "version": 1, "purpose": "More pens", "lines": [{"item_id": client.item_id("STA-PEN-G"), "quantity": "3"}]})
        assert status == 200, revised
    finally:
        event.remove(Session, "before_flush", note)
    assert result["request"]["status"] == "received"
    assert revised["purpose"] == "More pens" and revised["version"] == 2 and revised["lines"][0]["quantity"] == "3"
    assert flushed == []


@pytest.mark.parametrize("store", ["supply_requests", "trip_requests"])
def test_a_store_refuses_a_write_read_at_an_older_version(client, runtime, store):
    if store == "supply_requests":
        status, item = client.post("staff1", "/api/v1/supply-requests", {
            "purpose": "Pens", "lines": [{"item_id": client.item_id("STA-PEN-G"), "quantity": "1"}]})
    else:
        from tests.trip_support import trip_body
        status, item = client.post("staff1", "/api/v1/trip-requests", trip_body())
    assert status == 201, item
    with runtime.uow() as uow:
        found = getattr(uow, store).get(item["id"], lock=True)
        found.purpose = "changed meanwhile?"
        with pytest.raises(StaleVersion):
            getattr(uow, store).save(found, found.version + 5, ("purpose",))
        uow.rollback()
    with runtime.uow() as uow:
        assert getattr(uow, store).get(item["id"]).purpose == item["purpose"]
