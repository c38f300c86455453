"""Steps the price tests share on SQLite and PostgreSQL: a request approved, ordered, and received at a price.

Beside the HTTP tests on SQLite; tests/integration/test_security_prices.py takes them from here.
"""
from __future__ import annotations

from decimal import Decimal

REQUESTS = "/api/v1/supply-requests"
ORDERS = "/api/v1/purchase-orders"
HELD = f"{ORDERS}/held-receipts"


def described(price: str, quantity: str = "1", description: str = "Bamboo desk organiser") -> dict:
    """A line outside the catalog, priced by the requester's estimate."""
    return {"description": description, "category": "stationery", "unit": "piece", "unit_price": price,
            "quantity": quantity}


def created(c, lines: list[dict], user: str = "staff1") -> dict:
    status, req = c.post(user, REQUESTS, {"purpose": "Supplies", "lines": lines})
    assert status == 201, req
    return req


def act(c, user: str, req: dict, action: str, **extra) -> dict:
    status, body = c.post(user, f"{REQUESTS}/{req['id']}/actions/{action}", {"version": req["version"], **extra})
    assert status == 200, body
    return body


def approved(c, lines: list[dict]) -> dict:
    """staff1's request with these lines, approved by head1 (and by logistics when it needs the second level)."""
    req = act(c, "head1", act(c, "staff1", created(c, lines), "submit", justification="Needed"), "approve")
    if req["status"] == "office_review":
        req = act(c, "logistics", req, "approve")
    assert req["status"] == "approved", req
    return req


def ordered(c, req: dict) -> dict:
    """One purchase order of all the request's lines (one supplier: the catalog's, or any for described lines)."""
    suppliers = {l["supplier"] for l in req["lines"]} - {None}
    assert len(suppliers) <= 1, suppliers
    status, po = c.post("buyer", ORDERS, {"supplier": suppliers.pop() if suppliers else "Green Office Ltd",
                                          "line_ids": [l["id"] for l in req["lines"]]})
    assert status == 201, po
    return po


def receive(c, po: dict, factors: list[Decimal] | Decimal, user: str = "buyer"):
    """Receive every line in full at its approved price × factor (one for all, or one per line); (status, answer)."""
    lines = []
    for n, line in enumerate(po["lines"]):
        factor = factors if isinstance(factors, Decimal) else factors[n]
        price = (Decimal(line["unit_price"]) * factor).quantize(Decimal("0.01"))
        lines.append({"line_id": line["line_id"], "quantity": line["quantity"], "unit_price": str(price)})
    return c.post(user, f"{ORDERS}/{po['id']}/receive", {"lines": lines})


def budget(c, code: str, year: int) -> dict:
    status, rows = c.get("finance", f"/api/v1/budgets?year={year}")
    assert status == 200, rows
    return next(r for r in rows if r["department"] == code)
