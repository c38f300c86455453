"""Input limits: over the limit is a 4xx naming the field and writes nothing; at the limit is accepted.

Numbers are bounded to their columns (ids to PostgreSQL's integer, 2**31 - 1), dates to the years
2000-2100, page sizes to 200 (a larger `limit` is a 400 naming the range, not clamped: the OpenAPI
document says "Page size, 1–200"). Text round trips are in tests/integration/test_reliability.py.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from api.fields import ID_MAX
from workflow.models import metadata

REQUESTS = "/api/v1/supply-requests"


def counts(app) -> dict[str, int]:
    with app.extensions["jieyue"].engine.connect() as conn:
        return {t.name: conn.scalar(select(func.count()).select_from(t)) for t in metadata.sorted_tables}


def supply(c, **changes):
    body = {"purpose": "Pens", "lines": [{"item_id": c.item_id("STA-PEN-G"), "quantity": "1"}]}
    body.update(changes)
    return body


OVER = {  # case: (method, path, body builder, the field the error names)
    "purpose_501": ("POST", REQUESTS, lambda c: supply(c, purpose="纸" * 501), "purpose"),
    "lines_101": ("POST", REQUESTS, lambda c: supply(c, lines=supply(c)["lines"] * 101), "lines"),
    "item_id_over_int": ("POST", REQUESTS, lambda c: supply(c, lines=[{"item_id": ID_MAX + 1, "quantity": "1"}]),
                         "lines.0.item_id"),
    "quantity_over_a_million": ("POST", REQUESTS, lambda c: supply(
        c, lines=[{"item_id": c.item_id("STA-PEN-G"), "quantity": "1000001"}]), "lines.0.quantity"),
    "needed_by_year_243": ("POST", REQUESTS, lambda c: supply(c, needed_by="0243-02-17"), "needed_by"),
    "trip_depart_1884": ("POST", "/api/v1/trip-requests", lambda c: {
        "purpose_category": "meeting", "purpose": "x", "destination": "Town", "distance_km": "18", "passengers": 1,
        "depart_at": "1884-09-20T16:00:00", "return_at": "1884-09-20T18:00:00"}, "depart_at"),
    "passengers_81": ("POST", "/api/v1/trip-requests", lambda c: {
        "purpose_category": "meeting", "purpose": "x", "destination": "Town", "distance_km": "18", "passengers": 81,
        "depart_at": "2030-01-02T09:00:00", "return_at": "2030-01-02T12:00:00"}, "passengers"),
    "token_name_101": ("POST", "/api/v1/auth/tokens", lambda c: {
        "username": "staff1", "password": "x", "name": "n" * 101}, "name"),
    "order_lines_501": ("POST", "/api/v1/purchase-orders", lambda c: {
        "supplier": "Deli", "line_ids": list(range(1, 502))}, "line_ids"),
}


@pytest.mark.parametrize("case", list(OVER))
def test_over_the_limit_is_422_naming_the_field_and_writes_nothing(client, app, case):
    method, path, build, field = OVER[case]
    user = "buyer" if "purchase-orders" in path else "staff1"
    body = build(client)
    client.token(user)
    before = counts(app)
    status, err = client.call(None if "auth/tokens" in path else user, method, path, json=body)
    assert status == 422, err
    assert field in err["errors"], err
    assert counts(app) == before


@pytest.mark.parametrize("param, value", [("limit", 201), ("limit", 0), ("before_id", ID_MAX + 1)])
def test_a_page_size_or_cursor_over_its_cap_is_400_not_clamped(client, param, value):
    status, err = client.get("staff1", f"{REQUESTS}?{param}={value}")
    assert status == 400 and f"query.{param}" in err["errors"], err


@pytest.mark.parametrize("path", [f"{REQUESTS}/{ID_MAX + 1}", f"/api/v1/trip-requests/{10**15}/history",
                                  f"/api/v1/purchase-orders/{ID_MAX + 1}"])
def test_an_id_beyond_the_columns_range_in_the_path_is_404(client, path):
    status, err = client.get("staff1", path)
    assert status == 404 and err["code"] == "not_found", err


def test_at_the_limits_is_accepted(client):
    status, req = client.post("staff1", REQUESTS, supply(client, purpose="纸" * 500, needed_by="2100-12-31",
                                                          lines=supply(client)["lines"] * 100))
    assert status == 201, req
    assert len(req["purpose"]) == 500 and len(req["lines"]) == 100
    status, page = client.get("staff1", f"{REQUESTS}?limit=200")
    assert status == 200 and req["id"] in {r["id"] for r in page}


def test_the_openapi_document_states_the_page_cap_and_decimals_as_strings(client, app):
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    limit = next(p for p in doc["paths"][REQUESTS]["get"]["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 200)
    amount = doc["components"]["schemas"]["Budget"]["properties"]["amount"]
    assert amount["type"] == "string" and amount["format"] == "decimal"
    assert doc["components"]["schemas"]["Error"]["properties"]["code"]["type"] == "string"
