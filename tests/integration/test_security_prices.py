"""Prices the office can trust (issue 14, point 2) over real HTTP on PostgreSQL."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.http.price_support import HELD, ORDERS, REQUESTS, approved, budget, described, ordered, receive
from workflow.kernel.audit import AuditEvent
from workflow.procurement.model import SupplyRequest
from workflow.procurement.model import Delivery


def _count(app, model) -> int:
    with app.extensions["jieyue"].uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("line, field, code", [
    ("catalog+price", "lines.0.unit_price", "price_from_catalog"),
    ("zero", "lines.0.unit_price", "validation_error"),
    ("negative", "lines.0.unit_price", "validation_error"),
    ("three decimals", "lines.0.unit_price", "validation_error"),
    ("three decimals as a number", "lines.0.unit_price", "validation_error"),
])
def test_untrusted_prices_are_refused_and_nothing_is_saved(http, pg_app, line, field, code):
    body = {"catalog+price": {"item_id": http.item_id("STA-PEN-G"), "quantity": "1", "unit_price": "0.01"},
            "zero": described("0.00"), "negative": described("-5"), "three decimals": described("10.005"),
            "three decimals as a number": described(10.005)}[line]
    before = _count(pg_app, SupplyRequest)
    status, answer = http.post("staff1", REQUESTS, {"purpose": "x", "lines": [body]})
    assert status == 422 and answer["code"] == code and field in answer["errors"], answer
    assert _count(pg_app, SupplyRequest) == before


def test_a_receipt_price_with_three_decimals_is_refused_not_rounded(http, pg_app):
    po = ordered(http, approved(http, [{"item_id": http.item_id("STA-PEN-G"), "quantity": "10"}]))
    before = _count(pg_app, Delivery)
    status, answer = http.post("buyer", f"{ORDERS}/{po['id']}/receive", {"lines": [
        {"line_id": po["lines"][0]["line_id"], "quantity": "10", "unit_price": "3.505"}]})
    assert status == 422 and "lines.0.unit_price" in answer["errors"], answer
    assert _count(pg_app, Delivery) == before
    assert http.get("buyer", f"{ORDERS}/{po['id']}")[1]["status"] == "placed"


@pytest.mark.parametrize("factor, status, receipt", [("1.09", 200, "accepted"), ("1.11", 202, "held")])
def test_receipts_at_plus_9_and_plus_11_percent(http, pg_app, factor, status, receipt):
    year = pg_app.extensions["jieyue"].uow().office_year()
    po = ordered(http, approved(http, [described("100.00", quantity="3")]))
    spent = Decimal(budget(http, "GEN", year)["spent"])
    got, answer = receive(http, po, Decimal(factor))
    assert got == status and answer["receipt_status"] == receipt, answer
    booked = Decimal("0.00") if receipt == "held" else Decimal("300.00") * Decimal(factor)
    assert Decimal(budget(http, "GEN", year)["spent"]) == spent + booked


def test_crossing_the_second_level_threshold_is_held_and_logistics_accepts_it(http, pg_app):
    year = pg_app.extensions["jieyue"].uow().office_year()
    req = approved(http, [described("4800.00")])
    assert req["needs_office_review"] is False
    status, answer = receive(http, ordered(http, req), Decimal("1.05"))  # 5,040: above 5,000
    assert status == 202 and answer["held"][0]["hold_reasons"] == ["second_level"], answer
    held = answer["held"][0]
    status, queue = http.get("logistics", "/api/v1/queue")
    assert any(i["kind"] == "held_receipt" and i["id"] == held["id"] for i in queue["items"]), queue
    before = Decimal(budget(http, "GEN", year)["spent"])
    for user in ("buyer", "head1", "staff1", "finance", "admin"):
        status, body = http.post(user, f"{HELD}/{held['id']}/accept", {"comment": "fine by me"})
        assert status == 403, (user, body)
    status, body = http.post("logistics", f"{HELD}/{held['id']}/accept", {"comment": "Second-level approval of 5,040"})
    assert status == 200 and body["status"] == "accepted" and body["decided_by_id"], body
    assert Decimal(budget(http, "GEN", year)["spent"]) == before + Decimal("5040.00")
    status, req = http.get("staff1", f"{REQUESTS}/{req['id']}")
    assert req["status"] == "received"
    with pg_app.extensions["jieyue"].uow() as uow:
        event = uow.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "delivery",
                                                            AuditEvent.action == "accept"))
        assert event.comment == "Second-level approval of 5,040" and event.data["reasons"] == ["second_level"]


def test_an_accept_and_a_reject_sent_at_once_decide_once(http, pg_app):
    po = ordered(http, approved(http, [described("100.00")]))
    status, answer = receive(http, po, Decimal("1.50"))
    assert status == 202, answer
    held_id = answer["held"][0]["id"]
    http.token("logistics")  # logged in before the race
    results, gate = {}, threading.Barrier(2)

    def decide(action):
        gate.wait()
        results[action] = http.post("logistics", f"{HELD}/{held_id}/{action}", {"comment": action})[0]

    threads = [threading.Thread(target=decide, args=(a,)) for a in ("accept", "reject")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == [200, 409], results
    with pg_app.extensions["jieyue"].uow() as uow:
        status = uow.session.scalar(select(Delivery.status).where(Delivery.id == held_id))
        spend = uow.session.scalar(select(func.sum(Delivery.amount)).where(Delivery.status == "accepted",
                                                                           Delivery.id == held_id))
    assert status == ("accepted" if results["accept"] == 200 else "rejected")
    assert (spend == Decimal("150.00")) == (status == "accepted")
