"""Every route × method × role of the app, from app.url_map, against a table of who may use it.

A route the table does not name fails the test, so a new route cannot slip past. Every cell
where the person may not: 401 (anonymous, API), a redirect to the login page (anonymous, web),
403 or 404; never 2xx, never 5xx, and not one row changed. Cells where the person may: a read
answers 2xx; a write is left to the flow tests (running it here would move the objects the
other cells need). The objects are staff1's (see access_world), so every other person in the
table is "user B" on them: the IDOR cells are part of the matrix.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from api.supply_requests.resources import ACTIONS as SUPPLY_ACTIONS
from tests import support
from tests.http.trip_support import at, trip_body
from tests.integration.access_world import USERS, World, build_world
from workflow.models import metadata
from workflow.vehicles.dispatch import ACTIONS as TRIP_ACTIONS

ANON = None
EVERYONE = frozenset((ANON,) + USERS)
LOGGED_IN = frozenset(USERS)
HEADS = frozenset({"head1", "head2"})
APPROVERS = HEADS | {"logistics"}
OFFICE_WIDE = frozenset({"logistics", "buyer", "finance", "admin"})
NOBODY: frozenset = frozenset()
FLEET_MANAGERS = frozenset({"fleet", "admin"})
FLEET_READERS = FLEET_MANAGERS | {"logistics", "finance", "driver1", "driver2"}
TRIP_PLANNERS = FLEET_MANAGERS | {"logistics"}
REPORT_READERS = HEADS | {"finance", "admin", "logistics"}
HEAD1_REPORTS = REPORT_READERS - {"head2"}  # asked for GEN's figures: head2 is FIN's head
LOGOUT = "POST /logout"
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# The values a path's free-text segment takes, from the code that serves it.
VARIANTS = {
    "/api/v1/supply-requests/<int:request_id>/actions/<string:action>": SUPPLY_ACTIONS,
    "/api/v1/trip-requests/<int:request_id>/actions/<string:action>": TRIP_ACTIONS,
    "/app/supply/<int:request_id>/<action>": SUPPLY_ACTIONS,
    "/app/trips/<int:request_id>/<action>": ("approve", "return", "reject", "cancel"),
    "/api/v1/purchase-orders/held-receipts/<int:delivery_id>/<string:action>": ("accept", "reject"),
    "/app/receipts/<int:delivery_id>/<action>": ("accept", "reject"),
}


@dataclass(frozen=True)
class May:
    """Who may use a route; `on` names the world's object in its path; `body` builds a valid input."""
    who: frozenset
    on: str | None = None
    body: Callable[[World], dict] | None = None
    query: Callable[[World], dict] | None = None
    why: str = ""
    own_credential: bool = False  # an e-mail link, a metrics token: refused is 401/403/404 for all


def v(name, **extra):
    """An action body at the object's current version."""
    return lambda w: {"version": w.versions[name], **extra}


PEN_LINE = lambda w: {"item_id": w.ids["item"], "quantity": "1"}  # noqa: E731
SUPPLY_BODY = lambda w: {"purpose": "Pens", "lines": [PEN_LINE(w)]}  # noqa: E731
FORM_LINE = lambda w: {"item_id": str(w.ids["item"]), "quantity": "1", "purpose": "Pens"}  # noqa: E731
GEN_ONLY = lambda w: {"department_id": w.ids["department"]}  # noqa: E731
SOON = {"starts_at": at(40, 9), "ends_at": at(41, 9)}

API = {
    "POST /api/v1/auth/tokens": May(EVERYONE, why="logging in"),
    "GET /api/v1/auth/tokens": May(LOGGED_IN, why="one's own tokens"),
    "DELETE /api/v1/auth/tokens/<int:token_id>": May({"staff1", "admin"}, on="token", why="admins revoke any"),
    "GET /api/v1/budgets": May(REPORT_READERS, query=lambda w: {"year": w.year}),
    "PUT /api/v1/budgets/<int:department_id>/<int:year>": May({"finance", "admin"}, on="department",
                                                              body=lambda w: {"amount": "1000.00"}),
    "GET /api/v1/catalog/items": May(LOGGED_IN),
    "POST /api/v1/catalog/items": May({"admin"}, body=lambda w: {
        "sku": "STA-RUL-B", "name": "Bamboo ruler", "category": "stationery", "unit": "piece",
        "unit_price": "4.00", "supplier": "Deli"}),
    "GET /api/v1/catalog/items/<int:item_id>": May(LOGGED_IN, on="item"),
    "PATCH /api/v1/catalog/items/<int:item_id>": May({"admin"}, on="item", body=lambda w: {"unit_price": "0.01"}),
    "GET /api/v1/delegations": May(LOGGED_IN, why="one's own"),
    "POST /api/v1/delegations": May(APPROVERS, body=lambda w: {"delegate": "staff1", **SOON}),
    "DELETE /api/v1/delegations/<int:delegation_id>": May({"head1"}, on="delegation"),
    "GET /api/v1/departments": May(LOGGED_IN),
    "POST /api/v1/departments": May({"admin"}, body=lambda w: {"code": "NEW", "name": "New", "headcount": 3}),
    "PUT /api/v1/departments/<int:department_id>/webhook": May({"admin"}, on="department",
                                                               body=lambda w: {"url": "http://robot.invalid/x"}),
    "GET /api/v1/destinations": May(LOGGED_IN),
    "POST /api/v1/destinations": May({"admin"}, body=lambda w: {"name": "Depot", "distance_km": "7"}),
    "PATCH /api/v1/destinations/<int:destination_id>": May({"admin"}, on="destination",
                                                            body=lambda w: {"distance_km": "9"}),
    "GET /api/v1/docs": May(EVERYONE),
    "GET /api/v1/docs/assets/<path:filename>": May(EVERYONE),
    "GET /api/v1/docs/init.js": May(EVERYONE),
    "GET /api/v1/openapi.json": May(EVERYONE),
    "GET /api/v1/drivers": May(FLEET_READERS),
    "POST /api/v1/drivers": May(FLEET_MANAGERS, body=lambda w: {"username": "staff2", "licence_class": "C1"}),
    "PATCH /api/v1/drivers/<int:driver_id>": May(FLEET_MANAGERS, on="driver", body=lambda w: {"phone": "110"}),
    "GET /api/v1/failed-messages": May({"admin"}),
    "POST /api/v1/failed-messages/retry": May({"admin"}, body=lambda w: {"ids": [w.ids["failed_message"]]}),
    "GET /api/v1/me": May(LOGGED_IN),
    "GET /api/v1/me/notification-preferences": May(LOGGED_IN),
    "PUT /api/v1/me/notification-preferences": May(LOGGED_IN, body=lambda w: {"email": False}),
    "GET /api/v1/notifications": May(LOGGED_IN, why="one's own inbox"),
    "POST /api/v1/notifications/<int:notification_id>/read": May({"head1"}, on="notification"),
    "POST /api/v1/notifications/read-all": May(LOGGED_IN, why="one's own inbox"),
    "GET /api/v1/policy/document": May(LOGGED_IN),
    "POST /api/v1/policy/evaluate": May(LOGGED_IN, body=lambda w: {"lines": [PEN_LINE(w)]}),
    "GET /api/v1/policy/versions": May(LOGGED_IN),
    "GET /api/v1/calendar": May(LOGGED_IN, query=lambda w: {"year": w.year}),
    "PUT /api/v1/calendar/days": May({"admin"}, body=lambda w: {"day": f"{w.year}-12-29", "working": False,
                                                                "reason": "Stocktaking"}),
    "DELETE /api/v1/calendar/days/entry": May({"admin"}, query=lambda w: {"day": f"{w.year}-12-30"}),
    "PUT /api/v1/calendar/confirmations": May({"admin"}, body=lambda w: {"year": 2099, "confirmed": True}),
    "POST /api/v1/policy/versions": May({"admin"}, body=lambda w: {"version": "2026.9", "overrides": {}}),
    "GET /api/v1/purchase-orders": May({"buyer", "logistics", "finance", "admin"}),
    "POST /api/v1/purchase-orders": May({"buyer"}, body=lambda w: {"supplier": "Deli Office Supplies",
                                                                   "line_ids": [w.ids["line_approved"]]}),
    "GET /api/v1/purchase-orders/<int:po_id>": May({"buyer", "logistics", "finance", "admin"}, on="po"),
    "POST /api/v1/purchase-orders/<int:po_id>/receive": May({"buyer"}, on="po", body=lambda w: {
        "lines": [{"line_id": w.ids["line_ordered"], "quantity": "2", "unit_price": "3.50"}]}),
    "GET /api/v1/purchase-orders/held-receipts": May({"logistics"}),
    "POST /api/v1/purchase-orders/held-receipts/<int:delivery_id>/accept": May(
        {"logistics"}, on="held_receipt", body=lambda w: {"comment": "quote attached"}),
    "POST /api/v1/purchase-orders/held-receipts/<int:delivery_id>/reject": May(
        {"logistics"}, on="held_receipt", body=lambda w: {"comment": "not the agreed price"}),
    "GET /api/v1/queue": May(LOGGED_IN, why="one's own work"),
    "POST /api/v1/reports/<string:kind>/compile": May({"finance", "admin"}, body=lambda w: {"period": str(w.year)}),
    "GET /api/v1/reports/consumption": May(HEAD1_REPORTS, query=lambda w: {"period": str(w.year), **GEN_ONLY(w)}),
    "GET /api/v1/reports/expenditure": May(HEAD1_REPORTS, query=lambda w: {"period": str(w.year), **GEN_ONLY(w)}),
    "GET /api/v1/reports/targets": May(HEAD1_REPORTS, query=lambda w: {"year": w.year, **GEN_ONLY(w)}),
    "GET /api/v1/reports/vehicles": May(HEAD1_REPORTS, query=lambda w: {"period": str(w.year), **GEN_ONLY(w)}),
    "PUT /api/v1/targets": May({"finance", "admin"}, body=lambda w: {
        "year": w.year, "metric": "supply_spend", "reduction_pct": "5.0"}),
    "GET /api/v1/supply-requests": May(LOGGED_IN, why="what each may see"),
    "POST /api/v1/supply-requests": May(LOGGED_IN, body=SUPPLY_BODY),
    "GET /api/v1/supply-requests/<int:request_id>": May({"staff1", "head1"} | OFFICE_WIDE, on="sr_review"),
    "PATCH /api/v1/supply-requests/<int:request_id>": May({"staff1"}, on="sr_draft", body=v("sr_draft", purpose="x")),
    "GET /api/v1/supply-requests/<int:request_id>/history": May({"staff1", "head1"} | OFFICE_WIDE, on="sr_review"),
    "GET /api/v1/trip-requests": May(LOGGED_IN, why="what each may see"),
    "POST /api/v1/trip-requests": May(LOGGED_IN, body=lambda w: trip_body(depart_at=at(20, 9), return_at=at(20, 12))),
    "GET /api/v1/trip-requests/<int:request_id>": May({"staff1", "head1", "logistics", "fleet", "finance", "admin"},
                                                      on="tr_requested"),
    "PATCH /api/v1/trip-requests/<int:request_id>": May({"staff1"}, on="tr_sent_back",
                                                        body=v("tr_sent_back", passengers=3)),
    "GET /api/v1/trip-requests/<int:request_id>/history": May(
        {"staff1", "head1", "logistics", "fleet", "finance", "admin"}, on="tr_requested"),
    "GET /api/v1/trip-requests/<int:request_id>/candidates": May(TRIP_PLANNERS, on="tr_approved"),
    "GET /api/v1/trip-requests/<int:request_id>/carpool": May(TRIP_PLANNERS, on="tr_approved"),
    "GET /api/v1/users": May({"admin"}),
    "POST /api/v1/users": May({"admin"}, body=lambda w: {"username": "newbie", "password": "long-enough-1",
                                                         "role": "staff", "department": "GEN"}),
    "GET /api/v1/vehicles": May(FLEET_READERS),
    "POST /api/v1/vehicles": May(FLEET_MANAGERS, body=lambda w: {
        "plate": "晋A·T0001", "kind": "sedan", "energy": "electric", "seats": 4, "norm_per_100km": "15.00",
        "range_km": 400}),
    "GET /api/v1/vehicles/costs": May({"fleet", "admin", "finance", "logistics"},
                                      query=lambda w: {"from": f"{w.year}-01-01", "to": f"{w.year}-12-31"}),
    "GET /api/v1/vehicles/<int:vehicle_id>": May(FLEET_READERS, on="vehicle"),
    "PATCH /api/v1/vehicles/<int:vehicle_id>": May(FLEET_MANAGERS, on="vehicle", body=lambda w: {"seats": 3}),
    "GET /api/v1/vehicles/<int:vehicle_id>/fuel-logs": May(FLEET_READERS, on="vehicle"),
    "POST /api/v1/vehicles/<int:vehicle_id>/fuel-logs": May(FLEET_MANAGERS | {"driver1", "driver2"}, on="vehicle", body=lambda w: {
        "filled_at": at(-1, 9), "quantity": "20.00", "cost": "150.00"}),
    "GET /api/v1/vehicles/<int:vehicle_id>/maintenance": May(FLEET_READERS, on="vehicle"),
    "POST /api/v1/vehicles/<int:vehicle_id>/maintenance": May(FLEET_MANAGERS, on="vehicle", body=lambda w: {
        "performed_on": "2026-01-05", "kind": "routine", "cost": "300.00"}),
}

# Actions: each on an object in a status that allows it, so that only the person is in question.
SUPPLY_ACTION_RULES = {
    "submit": May({"staff1"}, on="sr_draft", body=v("sr_draft")),
    "cancel": May({"staff1"}, on="sr_draft", body=v("sr_draft")),
    "resubmit": May({"staff1"}, on="sr_returned", body=v("sr_returned")),
    "approve": May({"head1"}, on="sr_review", body=v("sr_review")),
    "return": May({"head1"}, on="sr_review", body=v("sr_review", comment="no")),
    "reject": May({"head1"}, on="sr_review", body=v("sr_review", comment="no")),
}
TRIP_ACTION_RULES = {
    "approve": May({"head1"}, on="tr_requested", body=v("tr_requested")),
    "return": May({"head1"}, on="tr_requested", body=v("tr_requested", comment="no")),
    "reject": May({"head1"}, on="tr_requested", body=v("tr_requested", comment="no")),
    "cancel": May({"staff1", "fleet"}, on="tr_requested", body=v("tr_requested")),
    "resubmit": May({"staff1"}, on="tr_sent_back", body=v("tr_sent_back")),
    "dispatch": May({"fleet"}, on="tr_approved", body=lambda w: {
        "version": w.versions["tr_approved"], "vehicle_id": w.ids["vehicle"], "driver_id": w.ids["driver"]}),
    "depart": May({"fleet", "driver1"}, on="tr_dispatched", body=lambda w: {
        "version": w.versions["tr_dispatched"], "odometer_km": str(w.versions["vehicle_odometer"] + 100)}),
    "arrive": May({"fleet", "driver1"}, on="tr_on_trip", body=lambda w: {
        "version": w.versions["tr_on_trip"], "odometer_km": str(w.versions["vehicle_odometer"] + 150),
        "energy_used": "4.0"}),
    "close": May({"fleet"}, on="tr_returned", body=v("tr_returned")),
}
for _action, _may in SUPPLY_ACTION_RULES.items():
    API[f"POST /api/v1/supply-requests/<int:request_id>/actions/{_action}"] = _may
for _action, _may in TRIP_ACTION_RULES.items():
    API[f"POST /api/v1/trip-requests/<int:request_id>/actions/{_action}"] = _may

WEB_READERS = {"staff1", "head1"} | OFFICE_WIDE
WEB = {
    "GET /": May(EVERYONE),
    "GET /favicon.ico": May(EVERYONE),
    "GET /static/<path:filename>": May(EVERYONE),
    "GET /login": May(EVERYONE),
    "GET /healthz": May(EVERYONE, why="liveness, says nothing"),
    "GET /readyz": May(EVERYONE, why="readiness, says nothing"),
    "GET /metrics": May(NOBODY, own_credential=True, why="only with METRICS_TOKEN, set on this app"),
    "POST /login": May(EVERYONE, why="logging in"),
    "POST /logout": May(EVERYONE, why="ends one's own session, if any"),
    "POST /language": May(LOGGED_IN, body=lambda w: {"language": "en"}),
    "GET /act/<token>": May(NOBODY, own_credential=True, why="a link made out to staff2, who may not decide"),
    "POST /act/<token>": May(NOBODY, own_credential=True, body=lambda w: {"comment": "ok"}),
    "GET /app": May(LOGGED_IN),
    "GET /app/requests": May(LOGGED_IN, why="one's own"),
    "GET /app/queue": May(LOGGED_IN, why="one's own work"),
    "POST /app/queue/bulk-approve": May(LOGGED_IN, body=lambda w: {"item": f"supply_request:{w.ids['sr_review']}:1"},
                                        why="each item is checked on its own; see the IDOR test"),
    "POST /app/evaluate": May(LOGGED_IN, body=FORM_LINE),
    "POST /app/receipts/<int:delivery_id>/accept": May({"logistics"}, on="held_receipt",
                                                       body=lambda w: {"comment": "quote attached"}),
    "POST /app/receipts/<int:delivery_id>/reject": May({"logistics"}, on="held_receipt",
                                                       body=lambda w: {"comment": "not the agreed price"}),
    "GET /app/supply/new": May(LOGGED_IN),
    "POST /app/supply/new": May(LOGGED_IN, body=FORM_LINE),
    "GET /app/supply/<int:request_id>": May(WEB_READERS, on="sr_review"),
    "GET /app/trips/new": May(LOGGED_IN),
    "POST /app/trips/new": May(LOGGED_IN, body=lambda w: {
        "purpose_category": "meeting", "purpose": "x", "destination": "Town", "distance_km": "18",
        "passengers": "1", "depart_at": at(21, 9)[:16], "return_at": at(21, 12)[:16]}),
    "GET /app/trips/<int:request_id>": May({"staff1", "head1", "logistics", "fleet", "finance", "admin"},
                                           on="tr_requested"),
    "GET /app/admin": May({"admin"}),
    "GET /app/admin/budgets": May({"admin"}),
    "POST /app/admin/budgets": May({"admin"}, body=lambda w: {"department_id": w.ids["department"],
                                                              "year": w.year, "amount": "1"}),
    "GET /app/admin/catalog": May({"admin"}),
    "POST /app/admin/catalog": May({"admin"}, body=lambda w: {"sku": "X-1", "name": "x", "category": "stationery",
                                                              "unit": "piece", "unit_price": "1", "supplier": "s"}),
    "GET /app/admin/catalog/<int:item_id>": May({"admin"}, on="item"),
    "POST /app/admin/catalog/<int:item_id>": May({"admin"}, on="item", body=lambda w: {"unit_price": "0.01"}),
    "POST /app/admin/catalog/import": May({"admin"}),
    "GET /app/admin/departments": May({"admin"}),
    "POST /app/admin/departments": May({"admin"}, body=lambda w: {"code": "NEW", "name": "n", "headcount": "1"}),
    "GET /app/admin/destinations": May({"admin"}),
    "GET /app/admin/calendar": May({"admin"}),
    "POST /app/admin/calendar": May({"admin"}, body=lambda w: {"day": f"{w.year}-12-28", "working": "false",
                                                               "reason": "Stocktaking"}),
    "POST /app/admin/calendar/clear": May({"admin"}, body=lambda w: {"day": f"{w.year}-12-28"}),
    "POST /app/admin/calendar/confirm": May({"admin"}, body=lambda w: {"year": "2099", "confirmed": "true"}),
    "POST /app/admin/destinations": May({"admin"}, body=lambda w: {"name": "Depot", "distance_km": "7"}),
    "POST /app/admin/destinations/<int:destination_id>": May({"admin"}, on="destination",
                                                             body=lambda w: {"name": "x", "distance_km": "9"}),
    "GET /app/admin/policy": May({"admin"}),
    "POST /app/admin/policy": May({"admin"}, body=lambda w: {"version": "2026.9", "overrides": "{}"}),
    "GET /app/admin/targets": May({"admin", "finance"}),
    "POST /app/admin/targets": May({"admin", "finance"}, body=lambda w: {"year": w.year, "metric": "supply_spend",
                                                              "reduction_pct": "5"}),
    "GET /app/admin/users": May({"admin"}),
    "POST /app/admin/users": May({"admin"}, body=lambda w: {"username": "newbie", "password": "long-enough-1",
                                                            "role": "staff", "department": "GEN"}),
    "GET /app/driver": May({"driver1", "driver2"}),
    "POST /app/driver/trips/<int:request_id>/depart": May({"driver1"}, on="tr_dispatched", body=lambda w: {
        "version": w.versions["tr_dispatched"], "odometer_km": str(w.versions["vehicle_odometer"] + 100)}),
    "POST /app/driver/trips/<int:request_id>/arrive": May({"driver1"}, on="tr_on_trip", body=lambda w: {
        "version": w.versions["tr_on_trip"], "odometer_km": str(w.versions["vehicle_odometer"] + 150),
        "energy_used": "4"}),
    "GET /app/finance": May(HEAD1_REPORTS, query=GEN_ONLY),
    "GET /app/finance/export": May(HEAD1_REPORTS, query=lambda w: {"kind": "expenditure", "format": "csv",
                                                                    **GEN_ONLY(w)}),
    "GET /app/fleet": May({"fleet"}),
    "POST /app/fleet/trips/<int:request_id>/close": May({"fleet"}, on="tr_returned", body=v("tr_returned")),
    "POST /app/fleet/trips/<int:request_id>/dispatch": May({"fleet"}, on="tr_approved", body=lambda w: {
        "version": w.versions["tr_approved"], "vehicle_id": w.ids["vehicle"], "driver_id": w.ids["driver"]}),
    "GET /app/fleet/vehicles": May({"fleet"}),
    "GET /app/fleet/vehicles/<int:vehicle_id>": May({"fleet"}, on="vehicle"),
    "POST /app/fleet/vehicles/<int:vehicle_id>/fuel-logs": May({"fleet"}, on="vehicle", body=lambda w: {
        "filled_at": at(-1, 9)[:16], "quantity": "20", "cost": "150"}),
    "POST /app/fleet/vehicles/<int:vehicle_id>/maintenance": May({"fleet"}, on="vehicle", body=lambda w: {
        "performed_on": "2026-01-05", "kind": "routine", "cost": "300"}),
    "GET /app/purchasing": May({"buyer"}),
    "GET /app/purchasing/orders": May({"buyer"}),
    "POST /app/purchasing/orders": May({"buyer"}, body=lambda w: {"supplier": "Deli Office Supplies",
                                                                  "line_id": str(w.ids["line_approved"])}),
    "GET /app/purchasing/orders/<int:po_id>": May({"buyer"}, on="po"),
    "POST /app/purchasing/orders/<int:po_id>/receive": May({"buyer"}, on="po", body=lambda w: {
        "line_id": str(w.ids["line_ordered"]), "quantity": "2", "unit_price": "3.50"}),
}
for _action, _may in SUPPLY_ACTION_RULES.items():
    WEB[f"POST /app/supply/<int:request_id>/{_action}"] = _may
for _action in VARIANTS["/app/trips/<int:request_id>/<action>"]:
    WEB[f"POST /app/trips/<int:request_id>/{_action}"] = TRIP_ACTION_RULES[_action]

TABLE = {**API, **WEB}


# ---- the cells -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    key: str
    method: str
    path: str
    user: str | None
    allowed: bool
    body: dict | None = field(default=None, hash=False)
    own_credential: bool = False

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


def route_keys(app) -> dict[str, tuple]:
    """Every route × method of the app (free-text segments expanded), as `METHOD rule` → (rule, variant)."""
    keys = {}
    for rule in app.url_map.iter_rules():
        free = [a for a in rule.arguments if a in ("action",)]
        variants = VARIANTS.get(rule.rule, (None,)) if free else (None,)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for variant in variants:
                name = rule.rule.replace(f"<string:{free[0]}>", variant).replace(f"<{free[0]}>", variant) \
                    if variant else rule.rule
                keys[f"{method} {name}"] = (rule, variant)
    return keys


def fill(rule, variant, may: May, w: World) -> str:
    values = {}
    for name in rule.arguments:
        values[name] = {
            "request_id": lambda: w.ids[may.on], "po_id": lambda: w.ids["po"], "token_id": lambda: w.ids["token"],
            "item_id": lambda: w.ids["item"], "delegation_id": lambda: w.ids["delegation"],
            "department_id": lambda: w.ids["department"], "year": lambda: w.year,
            "vehicle_id": lambda: w.ids["vehicle"], "driver_id": lambda: w.ids["driver"],
            "destination_id": lambda: w.ids["destination"], "notification_id": lambda: w.ids["notification"],
            "kind": lambda: "expenditure", "token": lambda: w.act_token, "action": lambda: variant,
            "filename": lambda: "swagger-ui.css" if "docs" in rule.rule else "app.css",
            "delivery_id": lambda: w.ids["held_receipt"],
        }[name]()
    return rule.build(values, append_unknown=False)[1]


def cells(app, w: World) -> list[Cell]:
    out = []
    for key, (rule, variant) in sorted(route_keys(app).items()):
        may = TABLE[key]
        method = key.split(" ", 1)[0]
        path = fill(rule, variant, may, w)
        if may.query:
            path += "?" + urlencode(may.query(w))
        body = may.body(w) if may.body else None
        for user in (ANON,) + USERS:
            out.append(Cell(key, method, path, user, user in may.who, body, may.own_credential))
    return out


# ---- calling ---------------------------------------------------------------------------------

VOLATILE = {"last_used_at"}  # a token's use is stamped on every call, refused or not


def fingerprint(app) -> dict[str, str]:
    """Every table's rows (less VOLATILE columns) as one md5 each, in one query: any change shows."""
    parts = []
    for t in metadata.sorted_tables:
        cols = ", ".join(c.name for c in t.columns if c.name not in VOLATILE)
        parts.append(f"SELECT '{t.name}', count(*) || ':' || coalesce(md5(string_agg(ROW({cols})::text, '|' "
                     f"ORDER BY ROW({cols})::text)), '') FROM {t.name}")
    with app.extensions["jieyue"].engine.connect() as conn:
        return dict(conn.execute(text(" UNION ALL ".join(parts))).all())


class Caller:
    """Sends a cell's request as its person: a bearer token for the API, a logged-in session for pages."""

    def __init__(self, app, w: World):
        self.app, self.w = app, w
        self.browsers = {ANON: app.test_client()}
        for user in USERS:
            browser = app.test_client()
            resp = browser.post("/login", data={"username": user, "password": support.PASSWORD})
            assert resp.status_code == 302, (user, resp.status_code)
            self.browsers[user] = browser

    def send(self, cell: Cell):
        if cell.api:
            headers = {"Authorization": f"Bearer {self.w.client.token(cell.user)}"} if cell.user else {}
            return self.browsers[ANON].open(cell.path, method=cell.method, json=cell.body, headers=headers)
        return self.browsers[cell.user].open(cell.path, method=cell.method, data=cell.body)


def refused(cell: Cell, resp) -> bool:
    if cell.user is ANON and not cell.own_credential:
        if cell.api:
            return resp.status_code == 401
        return resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    return resp.status_code in ((401, 403, 404) if cell.own_credential else (403, 404))


@pytest.fixture
def matrix_app(pg_url):
    # CSRF is its own test (tests/http/test_web_security.py); here a form without its token must
    # still be judged on who sends it.
    # robot.invalid resolves nowhere: only the administrator's allow-list lets it be saved (issue 14).
    app = support.make_app(pg_url, WTF_CSRF_ENABLED=False, METRICS_TOKEN="m" * 32,
                           WEBHOOK_ALLOWED_HOSTS="robot.invalid")
    yield app
    app.extensions["jieyue"].engine.dispose()


def test_every_route_of_the_app_has_a_row_in_the_permission_table(matrix_app):
    keys = set(route_keys(matrix_app))
    assert keys - set(TABLE) == set(), "routes with no permission row"
    assert set(TABLE) - keys == set(), "rows for routes that do not exist"


def _answer(cell: Cell, resp) -> tuple:
    return (cell.key, cell.user, resp.status_code, resp.get_data(as_text=True)[:200])


def test_every_route_method_and_person_is_refused_where_the_table_says_and_changes_nothing(matrix_app, record):
    w = build_world(matrix_app)
    caller = Caller(matrix_app, w)
    all_cells = cells(matrix_app, w)
    wrong, denied, reads = [], 0, 0
    for cell in all_cells:
        if cell.allowed:
            if cell.method in STATE_CHANGING:
                continue
            resp = caller.send(cell)
            reads += 1
            if not (200 <= resp.status_code < 300 or (resp.status_code == 302 and not refused(cell, resp))):
                wrong.append(("read refused",) + _answer(cell, resp))
            continue
        denied += 1
        before = fingerprint(matrix_app) if cell.method in STATE_CHANGING else None
        resp = caller.send(cell)
        if not refused(cell, resp):
            wrong.append(("not refused",) + _answer(cell, resp))
        elif before is not None and fingerprint(matrix_app) != before:
            wrong.append(("refused, but the database changed",) + _answer(cell, resp))
    # Last, the writes the table allows: not refused and no 5xx. Earlier writes may have moved the
    # object on (a 409 or 422 then), so this proves only that the table grants nothing the app refuses.
    writes = sorted((c for c in all_cells if c.allowed and c.method in STATE_CHANGING),
                    key=lambda c: c.key == LOGOUT)
    for cell in writes:
        resp = caller.send(cell)
        # Logging out answers with the login page, as a refusal would: it is judged by its status alone.
        if (refused(cell, resp) and cell.key != LOGOUT) or resp.status_code >= 500:
            wrong.append(("write refused",) + _answer(cell, resp))
    record("2", "access matrix cells checked",
           f"{len(all_cells)} cells ({len(TABLE)} route×method rows × {len(USERS) + 1} people): "
           f"{denied} refused as they must be, {reads} reads and {len(writes)} writes allowed, {len(wrong)} wrong")
    assert wrong == [], "\n".join(map(repr, wrong))


# ---- lists: user B's list never holds user A's object -----------------------------------------

def _ids(body) -> set[int]:
    rows = body["items"] if isinstance(body, dict) else body
    return {row["id"] for row in rows}


LISTS = [  # (list, object of the world, who may see it there)
    ("/api/v1/trip-requests?limit=200", "tr_requested", {"staff1", "head1", "logistics", "fleet", "finance", "admin"}),
    ("/api/v1/supply-requests?limit=200", "sr_review", {"staff1", "head1"} | OFFICE_WIDE),
    ("/api/v1/notifications?limit=200", "notification", {"head1"}),
    ("/api/v1/delegations", "delegation", {"head1", "logistics"}),
    ("/api/v1/auth/tokens", "token", {"staff1"}),
]


def test_nobody_else_finds_a_persons_object_in_their_own_lists(matrix_app, record):
    w = build_world(matrix_app)
    leaks, checked = [], 0
    for path, name, who in LISTS:
        for user in USERS:
            status, body = w.client.get(user, path)
            checked += 1
            assert status == 200, (path, user, body)
            if (w.ids[name] in _ids(body)) != (user in who):
                leaks.append((path, name, user))
    record("2", "IDOR list cells checked", f"{checked} (list × person), {len(leaks)} wrong")
    assert leaks == []
