"""Prices the office can trust (issue 14, point 2): the catalog prices its items, estimates are above 0,
money is never rounded, and a receipt beyond its approval waits for logistics.

The tolerance in the policy document on its own: tests/unit/test_receipt_tolerance.py.
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.http.price_support import HELD, ORDERS, REQUESTS, approved, budget, created, described, ordered, receive
from tests.http.test_web_form_limits import _browser, _post
from workflow.kernel.audit import AuditEvent
from workflow.procurement.model import SupplyRequest
from workflow.procurement.model import Delivery

PEN_PRICE = Decimal("3.50")  # STA-PEN-G in the demo catalog


def count(runtime, model) -> int:
    with runtime.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def pens(c, quantity="10", **extra) -> dict:
    return {"item_id": c.item_id("STA-PEN-G"), "quantity": quantity, **extra}


# ---- what enters: catalog prices, estimates, two decimals -------------------------------------------

@pytest.mark.parametrize("sent", ["3.50", "0.01", "1000", "0"])
def test_a_price_sent_for_a_catalog_line_is_refused_with_price_from_catalog(client, runtime, sent):
    before = count(runtime, SupplyRequest)
    status, body = client.post("staff1", REQUESTS, {"purpose": "Pens", "lines": [pens(client, unit_price=sent)]})
    assert status == 422 and body["code"] == "price_from_catalog", body
    assert "lines.0.unit_price" in body["errors"], body
    assert count(runtime, SupplyRequest) == before


def test_a_price_sent_for_a_catalog_line_is_refused_on_revision_and_in_evaluation_too(client):
    req = created(client, [pens(client)])
    status, body = client.patch("staff1", f"{REQUESTS}/{req['id']}", {
        "version": req["version"], "lines": [described("20.00"), pens(client, unit_price="0.10")]})
    assert status == 422 and body["code"] == "price_from_catalog" and "lines.1.unit_price" in body["errors"], body
    status, same = client.get("staff1", f"{REQUESTS}/{req['id']}")
    assert same["version"] == req["version"] and same["lines"] == req["lines"]
    status, body = client.post("staff1", "/api/v1/policy/evaluate", {"lines": [pens(client, unit_price="1.00")]})
    assert status == 422 and body["code"] == "price_from_catalog", body


def test_a_catalog_line_is_stored_at_the_catalogs_price(client):
    req = created(client, [pens(client, quantity="4")])
    assert Decimal(req["lines"][0]["unit_price"]) == PEN_PRICE and Decimal(req["total"]) == 4 * PEN_PRICE


@pytest.mark.parametrize("price", ["0", "0.00", "-1", "-0.01"])
@pytest.mark.parametrize("path", ["create", "revise"])
def test_an_off_catalog_line_needs_an_estimate_above_zero(client, runtime, price, path):
    if path == "create":
        status, body = client.post("staff1", REQUESTS, {"purpose": "Desk", "lines": [described(price)]})
    else:
        req = created(client, [pens(client)])
        status, body = client.patch("staff1", f"{REQUESTS}/{req['id']}",
                                    {"version": req["version"], "lines": [described(price)]})
    assert status == 422 and "lines.0.unit_price" in body["errors"], body


@pytest.mark.parametrize("where, price", [("request line", "12.345"), ("request line", "0.001"),
                                          ("request line", "1E-3"), ("request line", 9.999)])
def test_an_estimate_with_more_than_two_decimals_is_refused_not_rounded(client, runtime, where, price):
    before = count(runtime, SupplyRequest)
    status, body = client.post("staff1", REQUESTS, {"purpose": "Desk", "lines": [described(price)]})
    assert status == 422 and "lines.0.unit_price" in body["errors"], body
    assert count(runtime, SupplyRequest) == before


def test_trailing_zeros_are_not_decimals(client):
    req = created(client, [described("12.300")])
    assert req["lines"][0]["unit_price"] == "12.30"


@pytest.mark.parametrize("method, path, body, field", [
    ("POST", "/api/v1/catalog/items", {"sku": "STA-RUL-B", "name": "Ruler", "category": "stationery",
                                       "unit": "piece", "unit_price": "4.005", "supplier": "Deli"}, "unit_price"),
    ("PATCH", "/api/v1/catalog/items/{item}", {"unit_price": "0.015"}, "unit_price"),
    ("PUT", "/api/v1/budgets/{department}/{year}", {"amount": "1000.001"}, "amount"),
])
def test_catalog_prices_and_budgets_with_more_than_two_decimals_are_refused(client, runtime, method, path, body, field):
    status, deps = client.get("admin", "/api/v1/departments")
    item = client.item_id("STA-PEN-G")
    url = path.format(item=item, department=deps[0]["id"], year=runtime.uow().office_year())
    status, answer = client.call("admin", method, url, json=body)
    assert status == 422 and field in answer["errors"], answer
    status, pen = client.get("admin", f"/api/v1/catalog/items/{item}")
    assert Decimal(pen["unit_price"]) == PEN_PRICE


def test_the_request_form_takes_no_price_the_catalog_prices_its_items(csrf_app):
    from tests import support

    api = support.inprocess_client(csrf_app)
    page = _post(_browser(csrf_app, "staff1"), "/app/supply/new", {
        "purpose": "Pens", "item_id": str(api.item_id("STA-PEN-G")), "quantity": "2", "unit_price": "0.01"},
        page="/app/supply/new")
    assert page.status_code == 302, page.get_data(as_text=True)[:500]
    status, mine = api.get("staff1", REQUESTS)
    assert Decimal(mine[0]["lines"][0]["unit_price"]) == PEN_PRICE


# ---- receipts against the approval ---------------------------------------------------------------

@pytest.mark.parametrize("factor", ["1.09", "1.10", "0.80"])
def test_a_receipt_within_the_tolerance_is_booked_at_once(client, runtime, factor):
    year = runtime.uow().office_year()
    po = ordered(client, approved(client, [pens(client, quantity="100")]))  # 350.00 approved
    spent = Decimal(budget(client, "GEN", year)["spent"])
    status, answer = receive(client, po, Decimal(factor))
    assert status == 200 and answer["receipt_status"] == "accepted" and answer["held"] == [], answer
    real = (PEN_PRICE * Decimal(factor)).quantize(Decimal("0.01")) * 100
    assert answer["status"] == "received" and Decimal(answer["spend"]) == real
    assert Decimal(budget(client, "GEN", year)["spent"]) == spent + Decimal(answer["spend"])


@pytest.mark.parametrize("factor", ["1.11", "2.00"])
def test_a_receipt_above_the_tolerance_is_held_and_is_not_spend(client, runtime, factor):
    year = runtime.uow().office_year()
    po = ordered(client, approved(client, [pens(client, quantity="100")]))
    before = budget(client, "GEN", year)
    status, answer = receive(client, po, Decimal(factor))
    assert status == 202 and answer["receipt_status"] == "held", answer
    assert answer["status"] == "placed" and answer["spend"] == "0.00"
    assert [h["hold_reasons"] for h in answer["held"]] == [["above_tolerance"]]
    assert budget(client, "GEN", year) == before  # neither spent nor released
    status, held = client.get("logistics", HELD)
    assert [h["id"] for h in held] == [answer["held"][0]["id"]]
    status, queue = client.get("logistics", "/api/v1/queue")
    item = next(i for i in queue["items"] if i["kind"] == "held_receipt")
    assert item["id"] == held[0]["id"] and item["actions"] == ["accept", "reject"]
    status, again = receive(client, po, Decimal("1.00"))  # the held quantity is not outstanding twice
    assert status == 422 and "lines.0.quantity" in again["errors"], again


def test_one_line_above_the_tolerance_holds_that_line_only(client):
    status, pen = client.get("admin", f"/api/v1/catalog/items/{client.item_id('STA-PEN-G')}")
    status, ruler = client.post("admin", "/api/v1/catalog/items", {
        "sku": "STA-PEN-G2", "name": "Pen refill", "category": "stationery", "unit": "piece",
        "unit_price": "2.00", "supplier": pen["supplier"]})
    assert status == 201, ruler
    po = ordered(client, approved(client, [pens(client, quantity="10"),
                                           {"item_id": ruler["id"], "quantity": "10"}]))
    status, answer = receive(client, po, [Decimal("1.05"), Decimal("1.50")])
    assert status == 202 and answer["receipt_status"] == "partly_held", answer
    assert [h["line_id"] for h in answer["held"]] == [po["lines"][1]["line_id"]]
    assert answer["status"] == "partially_received" and answer["spend"] == "36.80"  # 10 x 3.68


def test_the_tolerance_is_the_policy_documents(client, runtime):
    status, body = client.post("admin", "/api/v1/policy/versions", {
        "version": "2026.9", "overrides": {"procurement": {"receipt_tolerance_pct": 20}}})
    assert status == 201, body
    runtime.forget_policy()  # the API's save leaves the recheck to its interval; don't wait for it
    assert runtime.policy_document.receipt_tolerance == Decimal("0.2")
    po = ordered(client, approved(client, [pens(client, quantity="100")]))
    status, answer = receive(client, po, Decimal("1.15"))
    assert status == 200 and answer["receipt_status"] == "accepted", answer


def test_a_real_amount_crossing_the_second_level_threshold_is_held_for_logistics(client):
    req = approved(client, [described("4600.00")])  # first level only: below the 5,000 threshold
    assert req["needs_office_review"] is False
    status, answer = receive(client, ordered(client, req), Decimal("1.09"))  # 5,014: within 10 %
    assert status == 202 and [h["hold_reasons"] for h in answer["held"]] == [["second_level"]], answer


def test_a_real_amount_below_the_threshold_or_already_approved_at_the_second_level_is_booked(client):
    status, answer = receive(client, ordered(client, approved(client, [described("4000.00")])), Decimal("1.09"))
    assert status == 200 and answer["receipt_status"] == "accepted", answer
    second = approved(client, [described("6000.00")])
    assert second["needs_office_review"] is True
    status, answer = receive(client, ordered(client, second), Decimal("1.09"))
    assert status == 200 and answer["receipt_status"] == "accepted", answer


def _held(client, factor="1.20"):
    po = ordered(client, approved(client, [pens(client, quantity="100")]))
    status, answer = receive(client, po, Decimal(factor))
    assert status == 202, answer
    return po, answer["held"][0]


def test_logistics_accepts_a_held_receipt_with_a_comment_and_it_becomes_spend(client, runtime):
    year = runtime.uow().office_year()
    po, held = _held(client)
    before = budget(client, "GEN", year)
    status, body = client.post("logistics", f"{HELD}/{held['id']}/accept", {"comment": "  "})
    assert status == 422 and "comment" in body["errors"], body
    status, body = client.post("logistics", f"{HELD}/{held['id']}/accept", {"comment": "Price rose; quote attached"})
    assert status == 200 and body["status"] == "accepted" and body["decision_comment"] == "Price rose; quote attached"
    status, order = client.get("buyer", f"{ORDERS}/{po['id']}")
    assert order["status"] == "received" and order["spend"] == "420.00" and order["held"] == []
    after = budget(client, "GEN", year)
    assert Decimal(after["spent"]) == Decimal(before["spent"]) + Decimal("420.00")
    assert Decimal(after["committed"]) == Decimal(before["committed"]) - Decimal("350.00")
    status, req = client.get("staff1", f"{REQUESTS}/{order['lines'][0]['request_id']}")
    assert req["status"] == "received"
    with runtime.uow() as uow:
        actions = uow.session.scalars(select(AuditEvent.action).where(
            AuditEvent.entity_type == "delivery", AuditEvent.entity_id == held["id"]).order_by(AuditEvent.id)).all()
    assert actions == ["hold", "accept"]
    status, body = client.post("logistics", f"{HELD}/{held['id']}/accept", {"comment": "again"})
    assert status == 409, body


def test_logistics_rejects_a_held_receipt_and_the_quantity_is_outstanding_again(client, runtime):
    po, held = _held(client)
    status, body = client.post("logistics", f"{HELD}/{held['id']}/reject", {"comment": "Not the agreed price"})
    assert status == 200 and body["status"] == "rejected", body
    status, answer = receive(client, po, Decimal("1.00"))
    assert status == 200 and answer["status"] == "received" and answer["spend"] == "350.00", answer
    with runtime.uow() as uow:
        assert uow.session.scalar(select(Delivery.status).where(Delivery.id == held["id"])) == "rejected"


@pytest.mark.parametrize("user", ["buyer", "head1", "staff1", "finance", "admin"])
def test_nobody_but_logistics_decides_on_a_held_receipt(client, runtime, user):
    po, held = _held(client)
    for action in ("accept", "reject"):
        status, body = client.post(user, f"{HELD}/{held['id']}/{action}", {"comment": "fine"})
        assert status == 403, body
    status, listed = client.get(user, HELD)
    assert status == 403
    with runtime.uow() as uow:
        assert uow.session.scalar(select(Delivery.status).where(Delivery.id == held["id"])) == "held"


def test_a_held_receipt_is_not_counted_in_the_expenditure_report_until_accepted(client, runtime):
    year = runtime.uow().office_year()

    def spend():
        status, report = client.get("finance", f"/api/v1/reports/expenditure?period={year}&live=true")
        assert status == 200, report
        return Decimal(report["report"]["total"]["spend"])

    before = spend()
    po, held = _held(client)
    assert spend() == before
    client.post("logistics", f"{HELD}/{held['id']}/accept", {"comment": "ok"})
    assert spend() == before + Decimal("420.00")


def test_logistics_sees_a_held_receipt_on_the_queue_page_and_decides_it_there(csrf_app):
    from tests import support

    api = support.inprocess_client(csrf_app)
    po, held = _held(api)
    buyer = _post(_browser(csrf_app, "buyer"), f"/app/receipts/{held['id']}/accept", {"comment": "mine"},
                  page="/app/purchasing")
    assert buyer.status_code == 403
    logistics = _browser(csrf_app, "logistics")
    page = logistics.get("/app/queue").get_data(as_text=True)
    assert "超出批准金额的到货" in page and f"/app/receipts/{held['id']}/accept" in page
    empty = _post(logistics, f"/app/receipts/{held['id']}/reject", {"comment": " "}, page="/app/queue")
    assert empty.status_code == 422
    done = _post(logistics, f"/app/receipts/{held['id']}/reject", {"comment": "Not the agreed price"}, page="/app/queue")
    assert done.status_code == 302
    status, order = api.get("buyer", f"{ORDERS}/{po['id']}")
    assert order["held"] == [] and order["status"] == "placed"
