"""Fleet pages: the dispatch board, vehicles with fuel and maintenance records, and the driver's trips."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from api.auth import uow
from api.fields import ID_MAX, is_id
from workflow.kernel.db import utcnow
from workflow.kernel.errors import DomainError
from workflow.vehicles import dispatch, fleet, trip_requests
from workflow.worklist import queue

from .auth import roles_required, web_actor
from .errors import pages_blueprint
from .purchasing import read_decimal


blp = pages_blueprint("web_fleet", __name__)
MAINTENANCE_KINDS = ("routine", "repair", "tyres", "inspection", "other")
PAGE = 200
KM = {"places": 1, "high": Decimal("10000000")}          # odometer readings, as the JSON API takes them
MONEY = {"places": 2, "high": Decimal("1000000000")}     # costs, tolls, parking in CNY


def _for_fleet() -> str:
    return _("These pages are for the fleet manager.")


def _for_drivers() -> str:
    return _("This page is for drivers.")


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _all_requests(actor, status: str) -> list[dict]:
    rows, before = [], None
    while True:
        page = trip_requests.list_requests(actor, uow(), status=status, before_id=before, limit=PAGE)
        rows += page
        if len(page) < PAGE:
            return rows
        before = page[-1]["id"]


def _by_trip(requests: list[dict]) -> list[dict]:
    """Requests sharing a trip (a carpool) as one entry; its first request carries the forms."""
    trips: dict[int, dict] = {}
    for r in sorted(requests, key=lambda r: r["id"]):
        if r["trip"] is None:
            continue
        entry = trips.setdefault(r["trip"]["id"], {"trip": r["trip"], "lead": r, "requests": []})
        entry["requests"].append(r)
    return sorted(trips.values(), key=lambda t: (t["trip"]["starts_at"], t["trip"]["id"]))


def _version(form) -> int | None:
    raw = (form.get("version") or "").strip()
    return int(raw) if is_id(raw) and 0 < int(raw) <= ID_MAX else None


# ---- the dispatch board ----------------------------------------------------------------------

def _board(failed: int | None = None, message=None, status: int = 200):
    actor = web_actor()
    zone = _zone()
    days: list[dict] = []
    for r in sorted(_all_requests(actor, "approved"), key=lambda r: (r["depart_at"], r["id"])):
        try:
            r["candidates"] = dispatch.candidates(r["id"], actor, uow())
            r["carpool"] = dispatch.carpool(r["id"], actor, uow())
        except DomainError:  # gone meanwhile
            continue
        day = r["depart_at"].astimezone(zone).date()
        r["same_day"] = r["return_at"].astimezone(zone).date() == day
        if not days or days[-1]["day"] != day:
            days.append({"day": day, "requests": []})
        days[-1]["requests"].append(r)
    vehicles = {v["id"]: v for v in fleet.list_vehicles(actor, uow())}
    drivers = {d["id"]: d for d in fleet.list_drivers(actor, uow())}
    under_way = _by_trip(_all_requests(actor, "dispatched") + _all_requests(actor, "on_trip"))
    to_close = _by_trip(_all_requests(actor, "returned"))
    done = {"dispatched": request.args.get("dispatched"), "closed": request.args.get("closed")}
    return render_template("web/fleet_board.html", days=days, under_way=under_way, to_close=to_close,
                           vehicles=vehicles, drivers=drivers, failed=failed, message=message, done=done), status


@blp.get("/app/fleet")
@roles_required("fleet", message=_for_fleet)
def board():
    return _board()


@blp.post("/app/fleet/trips/<int:request_id>/dispatch")
@roles_required("fleet", message=_for_fleet)
def dispatch_trip(request_id: int):
    form = request.form
    picked = [form.get("vehicle_id", "").strip(), form.get("driver_id", "").strip()]
    pool = form.getlist("carpool_ids")
    version = _version(form)
    # Ids within the columns' range: a longer number names no row (and PostgreSQL would refuse it).
    if version is None or not all(is_id(v) and 0 < int(v) <= ID_MAX for v in picked + pool):
        return _board(request_id, _("Choose a vehicle and a driver from the lists, then press Dispatch again."), 422)
    body = {"version": version, "vehicle_id": int(picked[0]), "driver_id": int(picked[1]),
            "carpool_ids": [int(v) for v in pool], "comment": (form.get("comment") or "").strip()[:2000] or None}
    done = dispatch.act(request_id, "dispatch", body, web_actor(), uow())
    return redirect(url_for("web_fleet.board", dispatched=done["number"]))


@blp.post("/app/fleet/trips/<int:request_id>/close")
@roles_required("fleet", message=_for_fleet)
def close_trip(request_id: int):
    version = _version(request.form)
    if version is None:
        return _board(request_id, _("This page was out of date: check the trip and close it again."), 422)
    body = {"version": version, "comment": (request.form.get("comment") or "").strip()[:2000] or None}
    done = dispatch.act(request_id, "close", body, web_actor(), uow())
    return redirect(url_for("web_fleet.board", closed=done["number"]))


# ---- vehicles --------------------------------------------------------------------------------

@blp.get("/app/fleet/vehicles")
@roles_required("fleet", message=_for_fleet)
def vehicles():
    rows = fleet.list_vehicles(web_actor(), uow())
    return render_template("web/fleet_vehicles.html", vehicles=rows)


def _vehicle_page(vehicle_id: int, *, fuel_values=None, fuel_errors=None, maint_values=None, maint_errors=None,
                  status: int = 200):
    actor = web_actor()
    vehicle = fleet.get_vehicle(vehicle_id, actor, uow())
    fuel_logs = fleet.list_fuel_logs(vehicle_id, actor, uow())
    maintenance = fleet.list_maintenance(vehicle_id, actor, uow())
    now = utcnow().astimezone(_zone())
    return render_template(
        "web/fleet_vehicle.html", vehicle=vehicle, fuel_logs=fuel_logs, maintenance=maintenance,
        kinds=MAINTENANCE_KINDS, added=request.args.get("added"),
        fuel_values=fuel_values or {"filled_at": now.strftime("%Y-%m-%dT%H:%M")}, fuel_errors=fuel_errors or {},
        maint_values=maint_values or {"performed_on": now.date().isoformat(), "kind": "routine"},
        maint_errors=maint_errors or {}), status


@blp.get("/app/fleet/vehicles/<int:vehicle_id>")
@roles_required("fleet", message=_for_fleet)
def vehicle(vehicle_id: int):
    return _vehicle_page(vehicle_id)


@blp.post("/app/fleet/vehicles/<int:vehicle_id>/fuel-logs")
@roles_required("fleet", message=_for_fleet)
def add_fuel_log(vehicle_id: int):
    form, errors = request.form, {}
    try:
        filled_at = dt.datetime.fromisoformat(form.get("filled_at", "").strip())
        filled_at = filled_at.replace(tzinfo=_zone()) if filled_at.tzinfo is None else filled_at
    except ValueError:
        errors["filled_at"], filled_at = _("Enter the date and time, e.g. 2026-03-01 08:30."), None
    fields = {
        "filled_at": filled_at,
        "quantity": read_decimal(form, "quantity", errors, places=2, high=Decimal("10000"), above_low=True),
        "cost": read_decimal(form, "cost", errors, **MONEY),
        "odometer_km": read_decimal(form, "odometer_km", errors, required=False, **KM),
    }
    if errors:
        return _vehicle_page(vehicle_id, fuel_values=dict(form), fuel_errors=errors, status=422)
    fleet.add_fuel_log(vehicle_id, fields, web_actor(), uow())
    return redirect(url_for("web_fleet.vehicle", vehicle_id=vehicle_id, added="fuel"))


@blp.post("/app/fleet/vehicles/<int:vehicle_id>/maintenance")
@roles_required("fleet", message=_for_fleet)
def add_maintenance(vehicle_id: int):
    form, errors = request.form, {}
    try:
        performed_on = dt.date.fromisoformat(form.get("performed_on", "").strip())
    except ValueError:
        errors["performed_on"], performed_on = _("Enter the date, e.g. 2026-03-01."), None
    kind = form.get("kind", "")
    if kind not in MAINTENANCE_KINDS:
        errors["kind"] = _("Choose a kind from the list.")
    description = (form.get("description") or "").strip()
    if len(description) > 500:
        errors["description"] = _("At most 500 characters.")
    fields = {
        "performed_on": performed_on, "kind": kind, "description": description,
        "cost": read_decimal(form, "cost", errors, **MONEY),
        "odometer_km": read_decimal(form, "odometer_km", errors, required=False, **KM),
    }
    if errors:
        return _vehicle_page(vehicle_id, maint_values=dict(form), maint_errors=errors, status=422)
    fleet.add_maintenance(vehicle_id, fields, web_actor(), uow())
    return redirect(url_for("web_fleet.vehicle", vehicle_id=vehicle_id, added="maintenance"))


# ---- the driver's page -----------------------------------------------------------------------

def _driver_page(failed: int | None = None, values=None, errors=None, message=None, status: int = 200):
    actor = web_actor()
    items = [i for i in queue.my_queue(actor, uow(), limit=100)["items"] if i["kind"] == "trip_drive"]
    requests = [trip_requests.get_request(i["request_id"], actor, uow()) for i in items]
    vehicles = {v["id"]: v for v in fleet.list_vehicles(actor, uow())}
    trips = _by_trip(requests)
    for t in trips:
        t["vehicle"] = vehicles.get(t["trip"]["vehicle_id"])
        t["people"] = list(dict.fromkeys(r["requester"]["full_name"] or r["requester"]["username"]
                                         for r in t["requests"]))
    # Under way first (it has to be ended), then by departure.
    trips.sort(key=lambda t: (t["lead"]["status"] != "on_trip", t["lead"]["depart_at"]))
    return render_template("web/driver.html", trips=trips, failed=failed, values=values or {},
                           errors=errors or {}, message=message,
                           started=request.args.get("started"), ended=request.args.get("ended")), status


@blp.get("/app/driver")
@roles_required("driver", message=_for_drivers)
def driver():
    return _driver_page()


def _drive(request_id: int, action: str, readings: dict):
    """Depart or arrive: the numbers are checked here, the rest by the workflow."""
    form, errors = request.form, {}
    version = _version(form)
    body = {name: read_decimal(form, name, errors, **spec) for name, spec in readings.items()}
    if version is None:
        errors["version"] = _("This page was out of date: it has been reloaded, enter the numbers again.")
    if errors:
        return _driver_page(request_id, dict(form), errors, _("Some numbers need attention: see below."), 422)
    done = dispatch.act(request_id, action, body | {"version": version}, web_actor(), uow())
    return redirect(url_for("web_fleet.driver", **{"started" if action == "depart" else "ended": done["number"]}))


@blp.post("/app/driver/trips/<int:request_id>/depart")
@roles_required("driver", message=_for_drivers)
def depart(request_id: int):
    return _drive(request_id, "depart", {"odometer_km": KM})


@blp.post("/app/driver/trips/<int:request_id>/arrive")
@roles_required("driver", message=_for_drivers)
def arrive(request_id: int):
    return _drive(request_id, "arrive", {
        "odometer_km": KM,
        "energy_used": {"places": 2, "high": Decimal("10000")},
        "fuel_cost": MONEY | {"required": False},
        "tolls": MONEY | {"required": False},
        "parking": MONEY | {"required": False},
    })

