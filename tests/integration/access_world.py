"""One office with an object of every kind in the state each action needs, for the access matrix.

Every object belongs to the GEN department's staff1 (or to the role that makes it: the buyer's
purchase order, head1's delegation), so every other person is "user B" on it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import text

from tests import support
from tests.http.trip_support import at, trip_body
from workflow.approvals import action_links
from workflow.kernel.db import utcnow

# The seeded people: one of each role, and a second of the roles that own or act on objects.
USERS = ("staff1", "staff2", "head1", "head2", "logistics", "buyer", "fleet", "driver1", "driver2",
         "finance", "admin")
SR = "/api/v1/supply-requests"
TR = "/api/v1/trip-requests"


@dataclass
class World:
    ids: dict[str, int] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    act_token: str = ""
    year: int = 0

    def put(self, name: str, obj: dict) -> dict:
        self.ids[name] = obj["id"]
        self.versions[name] = obj.get("version", 1)
        return obj


def _ok(result, expected=(200, 201)):
    status, body = result
    assert status in expected, body
    return body


def _supply(c, w: World) -> None:
    pens = c.item_id("STA-PEN-G")
    new = lambda purpose: _ok(c.post("staff1", SR, {"purpose": purpose,  # noqa: E731
                                                    "lines": [{"item_id": pens, "quantity": "2"}]}))
    act = lambda user, req, action, **kw: _ok(c.post(  # noqa: E731
        user, f"{SR}/{req['id']}/actions/{action}", {"version": req["version"], **kw}))
    w.put("sr_draft", new("Draft pens"))
    w.put("sr_review", act("staff1", new("Pens to review"), "submit"))
    w.put("sr_returned", act("head1", act("staff1", new("Pens sent back"), "submit"), "return", comment="fewer"))
    approved = act("head1", act("staff1", new("Pens to order"), "submit"), "approve")
    w.put("sr_approved", approved)
    w.ids["line_approved"] = approved["lines"][0]["id"]
    ordered = act("head1", act("staff1", new("Pens ordered"), "submit"), "approve")
    line = ordered["lines"][0]
    po = _ok(c.post("buyer", "/api/v1/purchase-orders", {"supplier": line["supplier"], "line_ids": [line["id"]]}))
    w.put("po", po)
    w.ids["line_ordered"] = line["id"]
    # A receipt at twice the approved price: held for logistics (issue 14, point 2).
    held = act("head1", act("staff1", new("Pens delivered dear"), "submit"), "approve")["lines"][0]
    dear = _ok(c.post("buyer", "/api/v1/purchase-orders", {"supplier": held["supplier"], "line_ids": [held["id"]]}))
    dear = _ok(c.post("buyer", f"/api/v1/purchase-orders/{dear['id']}/receive", {"lines": [{
        "line_id": held["id"], "quantity": held["quantity"], "unit_price": str(2 * float(held["unit_price"]))}]}),
        expected=(202,))
    w.ids["held_receipt"] = dear["held"][0]["id"]


def _trips(c, w: World) -> None:
    vehicle = next(v for v in _ok(c.get("fleet", "/api/v1/vehicles")) if v["status"] == "in_service")
    driver = next(d for d in _ok(c.get("fleet", "/api/v1/drivers")) if d["username"] == "driver1")
    w.ids.update(vehicle=vehicle["id"], driver=driver["id"])
    w.versions["vehicle_odometer"] = int(float(vehicle["odometer_km"]))
    step = lambda user, req, action, **kw: _ok(c.post(  # noqa: E731
        user, f"{TR}/{req['id']}/actions/{action}", {"version": req["version"], **kw}))
    new = lambda day: _ok(c.post("staff1", TR, trip_body(depart_at=at(day, 9), return_at=at(day, 12))))  # noqa: E731
    w.put("tr_requested", new(10))
    w.put("tr_sent_back", step("head1", new(11), "return", comment="take the bus"))
    approved = w.put("tr_approved", step("head1", new(12), "approve"))
    assert approved["status"] == "approved", approved
    dispatched = lambda day: step("fleet", step("head1", new(day), "approve"), "dispatch",  # noqa: E731
                                  vehicle_id=vehicle["id"], driver_id=driver["id"])
    w.put("tr_dispatched", dispatched(13))
    odometer = str(w.versions["vehicle_odometer"] + 1)
    on_trip = w.put("tr_on_trip", step("driver1", dispatched(14), "depart", odometer_km=odometer))
    back = step("driver1", step("driver1", dispatched(15), "depart", odometer_km=odometer), "arrive",
                odometer_km=str(int(odometer) + 40), energy_used="3.0")
    w.put("tr_returned", back)
    assert on_trip["status"] == "on_trip" and back["status"] == "returned", (on_trip, back)


def _people(c, w: World, app) -> None:
    w.ids["token"] = _ok(c.call(None, "POST", "/api/v1/auth/tokens",
                                json={"username": "staff1", "password": support.PASSWORD, "name": "spare"}))["id"]
    starts = utcnow() + dt.timedelta(days=30)
    w.put("delegation", _ok(c.post("head1", "/api/v1/delegations", {
        "delegate": "logistics", "starts_at": starts.isoformat(), "ends_at": (starts + dt.timedelta(days=3)).isoformat()})))
    w.ids["destination"] = _ok(c.get("staff1", "/api/v1/destinations"))[0]["id"]
    w.ids["item"] = c.item_id("STA-PEN-G")
    me = {u: _ok(c.get(u, "/api/v1/me")) for u in ("staff1", "head1")}
    w.ids["department"] = next(d["id"] for d in _ok(c.get("admin", "/api/v1/departments")) if d["code"] == "GEN")
    w.year = app.extensions["jieyue"].uow().office_year()
    # An office closure of the working calendar, for the routes that read and remove one.
    _ok(c.call("admin", "PUT", "/api/v1/calendar/days", {"day": f"{w.year}-12-30", "working": False,
                                                          "reason": "Stocktaking"}))
    with app.extensions["jieyue"].engine.connect() as conn:
        # head1 was told about staff1's submissions: a notification that is head1's alone.
        w.ids["notification"] = conn.scalar(text("SELECT min(id) FROM notifications WHERE user_id = :u"),
                                            {"u": me["head1"]["id"]})
        w.ids["failed_message"] = conn.scalar(text("SELECT coalesce(min(id), 1) FROM messages"))
    assert w.ids["notification"], "head1 should have been notified"
    # An e-mail link made out to staff2, who may not decide staff1's request: worth nothing.
    staff2 = _ok(c.get("staff2", "/api/v1/me"))["id"]
    w.act_token = action_links.make(app.config["SECRET_KEY"], kind="supply_request", item_id=w.ids["sr_review"],
                                    version=w.versions["sr_review"], user_id=staff2, action="approve", now=utcnow())


def build_world(app) -> World:
    c = support.inprocess_client(app)
    w = World()
    _supply(c, w)
    _trips(c, w)
    _people(c, w, app)
    for user in USERS:  # every token is issued before the first count: issuing one writes a row
        c.token(user)
    w.client = c
    return w
