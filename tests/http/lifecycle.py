"""The procurement lifecycle as a script over any Client, shared by the SQLite and PostgreSQL tests.

Beside the HTTP tests on SQLite; the PostgreSQL tests (tests/integration) take it from here.
"""
from __future__ import annotations

from decimal import Decimal


def run_full_lifecycle(c) -> dict:
    """draft → policy block → swap → submit → dept head → logistics → purchase order → received.

    Returns what the tests assert on; asserts each step's answer along the way.
    """
    virgin, recycled = c.item_id("PAP-A4-V"), c.item_id("PAP-A4-R")
    reman = c.item_id("TON-88A-R")
    ac = c.item_id("APP-AC-1")

    # head1's department: staff1 asks for paper, toner and two air conditioners (over 5,000 CNY).
    status, req = c.post("staff1", "/api/v1/supply-requests", {
        "purpose": "Second-floor office refit", "needed_by": "2026-12-20",
        "lines": [{"item_id": virgin, "quantity": "10"}, {"item_id": reman, "quantity": "2"},
                  {"item_id": ac, "quantity": "2"}]})
    assert status == 201, req
    assert req["status"] == "draft" and req["version"] == 1 and req["number"].startswith("SR-")
    assert Decimal(req["total"]) == Decimal("10") * 24 + 2 * 160 + 2 * 3200

    # Virgin copy paper is blocked, and the finding suggests recycled paper.
    status, err = c.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 1})
    assert status == 422 and err["code"] == "policy_blocked", err
    paper = next(f for f in err["findings"] if f["rule_id"] == "GP-PAPER")
    assert paper["outcome"] == "block" and paper["line"] == 0
    assert [s["item_id"] for s in paper["suggestions"]] == [recycled]

    # The block changed nothing: still a draft at version 1.
    status, same = c.get("staff1", f"/api/v1/supply-requests/{req['id']}")
    assert same["status"] == "draft" and same["version"] == 1

    # Swap to the suggestion with one edit.
    status, req = c.patch("staff1", f"/api/v1/supply-requests/{req['id']}", {
        "version": 1,
        "lines": [{"item_id": recycled, "quantity": "10", "swapped_from_item_id": virgin},
                  {"item_id": reman, "quantity": "2"}, {"item_id": ac, "quantity": "2"}]})
    assert status == 200 and req["version"] == 2, req
    assert Decimal(req["total"]) == Decimal("10") * 26 + 2 * 160 + 2 * 3200

    status, req = c.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 2})
    assert status == 200 and req["status"] == "dept_review", req
    assert req["needs_office_review"] is True  # 6,900 CNY is over the 5,000 threshold

    # The department head finds it in the queue and approves; it moves to the logistics level.
    status, queue = c.get("head1", "/api/v1/queue")
    assert [i["id"] for i in queue["items"]] == [req["id"]]
    status, req = c.post("head1", f"/api/v1/supply-requests/{req['id']}/actions/approve",
                         {"version": req["version"], "comment": "Needed for the refit"})
    assert status == 200 and req["status"] == "office_review", req

    status, queue = c.get("logistics", "/api/v1/queue")
    assert [i["id"] for i in queue["items"]] == [req["id"]]
    status, req = c.post("logistics", f"/api/v1/supply-requests/{req['id']}/actions/approve",
                         {"version": req["version"]})
    assert status == 200 and req["status"] == "approved", req

    # The buyer sees the approved lines and orders them per supplier.
    status, queue = c.get("buyer", "/api/v1/queue")
    lines = {i["id"]: i for i in queue["items"]}
    assert set(lines) == {l["id"] for l in req["lines"]}
    orders = []
    for supplier in sorted({l["supplier"] for l in lines.values()}):
        ids = [i for i, l in lines.items() if l["supplier"] == supplier]
        status, po = c.post("buyer", "/api/v1/purchase-orders", {"supplier": supplier, "line_ids": ids})
        assert status == 201, po
        orders.append(po)
    status, req = c.get("staff1", f"/api/v1/supply-requests/{req['id']}")
    assert req["status"] == "ordered"

    # Delivery at actual prices: the air conditioners came 100 CNY cheaper each.
    spend = Decimal("0")
    for po in orders:
        delivered = []
        for line in po["lines"]:
            price = Decimal(line["unit_price"]) - (100 if line["item_id"] == ac else 0)
            delivered.append({"line_id": line["line_id"], "quantity": line["quantity"], "unit_price": str(price)})
            spend += Decimal(line["quantity"]) * price
        status, po = c.post("buyer", f"/api/v1/purchase-orders/{po['id']}/receive", {"lines": delivered})
        assert status == 200 and po["status"] == "received", po
    status, req = c.get("staff1", f"/api/v1/supply-requests/{req['id']}")
    assert req["status"] == "received"
    assert sum(Decimal(l["spend"]) for l in req["lines"]) == spend

    status, history = c.get("staff1", f"/api/v1/supply-requests/{req['id']}/history")
    actions = [e["action"] for e in history]
    assert actions == ["create", "submit_blocked", "edit", "submit", "approve", "approve", "order", "receive"]
    return {"request": req, "spend": spend, "history": history, "orders": orders}
