"""The buyer's, fleet manager's and driver's pages in a real browser."""
from __future__ import annotations

import datetime as dt

from decimal import Decimal

from playwright.sync_api import expect

from workflow.kernel.db import utcnow
from tests.http.trip_support import approved_trip, at


def _approved_pens(client, quantity="20"):
    status, req = client.post("staff1", "/api/v1/supply-requests", {
        "purpose": "Pens", "lines": [{"item_id": client.item_id("STA-PEN-G"), "quantity": quantity}]})
    status, req = client.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 1})
    status, req = client.post("head1", f"/api/v1/supply-requests/{req['id']}/actions/approve", {"version": req["version"]})
    assert req["status"] == "approved", req
    return req


def test_buyer_orders_the_approved_lines_and_receives_them_at_the_actual_price(open_as, client):
    req = _approved_pens(client)
    line_id = req["lines"][0]["id"]
    page = open_as("buyer")
    expect(page.locator(f"#line-{line_id}")).to_be_checked()
    page.locator("form", has=page.locator(f"#line-{line_id}")).get_by_role("button", name="Create purchase order").click()
    expect(page.locator("h1")).to_contain_text("PO-")
    page.locator(f"[name=price-{line_id}]").fill("3.20")
    page.get_by_role("button", name="Record delivery").click()
    expect(page.locator("body")).to_contain_text("Delivery recorded")
    status, done = client.get("staff1", f"/api/v1/supply-requests/{req['id']}")
    assert done["status"] == "received"
    assert Decimal(done["lines"][0]["spend"]) == Decimal("20") * Decimal("3.20")


def test_fleet_manager_dispatches_and_the_driver_starts_and_ends_the_trip_on_a_phone(open_as, client):
    # Today (office time), so it is on the driver's list of the day.
    # Later today on the office's clock: a departure in the past is refused.
    req = approved_trip(client, depart_at=(utcnow() + dt.timedelta(minutes=5)).isoformat(), return_at=at(0, 23, 59))
    page = open_as("fleet")
    form = page.locator(f"form[action$='/app/fleet/trips/{req['id']}/dispatch']")
    form.get_by_role("button", name="Dispatch").click()
    status, trip = client.get("staff1", f"/api/v1/trip-requests/{req['id']}")
    assert trip["status"] == "dispatched", trip
    driver = next(d for d in client.get("fleet", "/api/v1/drivers")[1] if d["id"] == trip["trip"]["driver_id"])
    vehicle = client.get("fleet", f"/api/v1/vehicles/{trip['trip']['vehicle_id']}")[1]
    phone = open_as(driver["username"], width=390, height=844)
    odometer = Decimal(vehicle["odometer_km"])
    phone.get_by_label("Odometer (km)").fill(str(odometer))
    phone.get_by_role("button", name="Start trip").click()
    phone.get_by_label("Odometer (km)").fill(str(odometer + 40))
    phone.get_by_label("Fuel used (L) or energy (kWh)").fill("6")
    phone.get_by_role("button", name="End trip").click()
    status, trip = client.get("staff1", f"/api/v1/trip-requests/{req['id']}")
    assert trip["status"] == "returned" and Decimal(trip["trip"]["distance_km"]) == Decimal("40")
