"""The fleet API: /vehicles, /drivers, /destinations, maintenance and fuel logs, vehicle costs."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.http.trip_support import SHANGHAI, approved_trip, at, vehicle_and_driver
from workflow.kernel import clock
from workflow.vehicles.fleet import Driver, FuelLog, MaintenanceRecord, Vehicle
from workflow.vehicles.model import CommonDestination

VEHICLES = "/api/v1/vehicles"
DRIVERS = "/api/v1/drivers"
DESTINATIONS = "/api/v1/destinations"
NOT_FLEET = ("staff1", "head1", "logistics", "finance", "driver1")
READERS = ("fleet", "admin", "logistics", "finance", "driver1")


def count(runtime, model, *where) -> int:
    with runtime.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def new_vehicle(**changes) -> dict:
    body = {"plate": "晋A·T0001", "kind": "sedan", "energy": "petrol", "seats": 4, "norm_per_100km": "8.00"}
    body.update(changes)
    return body


def create_vehicle(client, user="fleet", **changes) -> dict:
    status, v = client.post(user, VEHICLES, new_vehicle(**changes))
    assert status == 201, v
    return v


def vehicle(client, vid) -> dict:
    status, v = client.get("fleet", f"{VEHICLES}/{vid}")
    assert status == 200, v
    return v


def new_user(client, username="driver3") -> None:
    status, user = client.post("admin", "/api/v1/users", {"username": username, "password": "new-pass-2026",
                                                         "role": "driver", "department": "LOG",
                                                         "full_name": "Qian Bo"})
    assert status == 201, user


def today() -> dt.date:
    return clock.today(SHANGHAI)


def fuel_log(**changes) -> dict:
    body = {"filled_at": clock.now().astimezone(SHANGHAI).isoformat(), "quantity": "40.00", "cost": "320.00"}
    body.update(changes)
    return body


def maintenance(**changes) -> dict:
    body = {"performed_on": today().isoformat(), "kind": "routine", "description": "Oil change", "cost": "300.00"}
    body.update(changes)
    return body


def raised_to(client, vid, km: str) -> dict:
    status, v = client.patch("fleet", f"{VEHICLES}/{vid}", {"odometer_km": km})
    assert status == 200 and Decimal(v["odometer_km"]) == Decimal(km), v
    return v


# ---- vehicles ------------------------------------------------------------------------------

def test_fleet_manager_creates_a_vehicle_in_service_at_zero_km(client, runtime):
    v = create_vehicle(client)
    assert (v["plate"], v["status"], Decimal(v["odometer_km"]), v["unit"]) == ("晋A·T0001", "in_service", 0, "L")
    status, listed = client.get("fleet", VEHICLES)
    assert "晋A·T0001" in [x["plate"] for x in listed]
    assert count(runtime, Vehicle, Vehicle.plate == "晋A·T0001") == 1


def test_admin_creates_and_edits_a_vehicle(client):
    v = create_vehicle(client, "admin")
    status, v = client.patch("admin", f"{VEHICLES}/{v['id']}", {"seats": 5})
    assert status == 200 and v["seats"] == 5, v


@pytest.mark.parametrize("user", NOT_FLEET)
def test_only_the_fleet_manager_or_admin_creates_vehicles(client, runtime, user):
    before = count(runtime, Vehicle)
    status, err = client.post(user, VEHICLES, new_vehicle())
    assert status == 403, err
    assert count(runtime, Vehicle) == before


@pytest.mark.parametrize("user", NOT_FLEET)
def test_only_the_fleet_manager_or_admin_edits_vehicles(client, user):
    v = create_vehicle(client)
    status, err = client.patch(user, f"{VEHICLES}/{v['id']}", {"status": "retired", "seats": 2})
    assert status == 403, err
    after = vehicle(client, v["id"])
    assert (after["status"], after["seats"]) == ("in_service", 4)


@pytest.mark.parametrize("user", READERS)
def test_fleet_readers_list_vehicles_and_drivers(client, user):
    status, vehicles = client.get(user, VEHICLES)
    assert status == 200 and "晋A·E1001" in [v["plate"] for v in vehicles], vehicles
    status, drivers = client.get(user, DRIVERS)
    assert status == 200 and {"driver1", "driver2"} <= {d["username"] for d in drivers}, drivers


def test_staff_cannot_list_or_read_vehicles_or_drivers(client):
    vid = vehicle_and_driver(client)[0]["id"]
    for path in (VEHICLES, DRIVERS, f"{VEHICLES}/{vid}", f"{VEHICLES}/{vid}/maintenance",
                 f"{VEHICLES}/{vid}/fuel-logs"):
        status, err = client.get("staff1", path)
        assert status == 403, (path, err)


def test_vehicle_list_filters_by_status(client):
    v = create_vehicle(client)
    client.patch("fleet", f"{VEHICLES}/{v['id']}", {"status": "maintenance"})
    status, rows = client.get("fleet", f"{VEHICLES}?status=maintenance")
    assert status == 200 and [r["plate"] for r in rows] == ["晋A·T0001"], rows


def test_duplicate_plate_is_409_and_nothing_is_added(client, runtime):
    create_vehicle(client)
    before = count(runtime, Vehicle)
    status, err = client.post("fleet", VEHICLES, new_vehicle(kind="suv"))
    assert status == 409 and "plate" in err["errors"], err
    assert count(runtime, Vehicle) == before


def test_electric_vehicle_without_range_is_422_naming_range_km(client, runtime):
    before = count(runtime, Vehicle)
    for body in (new_vehicle(energy="electric"), new_vehicle(energy="electric", range_km=None)):
        status, err = client.post("fleet", VEHICLES, body)
        assert status == 422 and "range_km" in err["errors"], err
    assert count(runtime, Vehicle) == before
    v = create_vehicle(client, energy="electric", range_km=300)
    assert v["unit"] == "kWh" and v["range_km"] == 300


def test_patch_cannot_clear_the_range_of_an_electric_vehicle(client):
    v = create_vehicle(client, energy="electric", range_km=300)
    status, err = client.patch("fleet", f"{VEHICLES}/{v['id']}", {"range_km": None})
    assert status == 422 and "range_km" in err["errors"], err
    assert vehicle(client, v["id"])["range_km"] == 300


@pytest.mark.parametrize("field, value", [("kind", "tank"), ("energy", "coal"), ("seats", 0),
                                          ("norm_per_100km", "-1"), ("colour", "red")])
def test_invalid_vehicle_is_422_naming_the_field(client, runtime, field, value):
    before = count(runtime, Vehicle)
    status, err = client.post("fleet", VEHICLES, new_vehicle(**{field: value}))
    assert status == 422 and field in err["errors"], err
    assert count(runtime, Vehicle) == before


# ---- the odometer only goes up -------------------------------------------------------------

def test_odometer_goes_up_through_patch_fuel_log_and_maintenance(client):
    vid = create_vehicle(client)["id"]
    raised_to(client, vid, "1000.0")
    status, log = client.post("fleet", f"{VEHICLES}/{vid}/fuel-logs", fuel_log(odometer_km="1200.0"))
    assert status == 201, log
    assert Decimal(vehicle(client, vid)["odometer_km"]) == Decimal("1200.0")
    status, rec = client.post("fleet", f"{VEHICLES}/{vid}/maintenance", maintenance(odometer_km="1350.5"))
    assert status == 201, rec
    assert Decimal(vehicle(client, vid)["odometer_km"]) == Decimal("1350.5")


def test_odometer_cannot_go_down_through_patch_and_nothing_changes(client):
    vid = create_vehicle(client)["id"]
    raised_to(client, vid, "1000.0")
    status, err = client.patch("fleet", f"{VEHICLES}/{vid}", {"odometer_km": "999.9", "seats": 6})
    assert status == 422 and "odometer_km" in err["errors"], err
    v = vehicle(client, vid)
    assert Decimal(v["odometer_km"]) == Decimal("1000.0") and v["seats"] == 4


def test_odometer_cannot_go_down_through_a_fuel_log_and_no_log_is_kept(client, runtime):
    vid = create_vehicle(client)["id"]
    raised_to(client, vid, "1000.0")
    status, err = client.post("fleet", f"{VEHICLES}/{vid}/fuel-logs", fuel_log(odometer_km="900.0"))
    assert status == 422 and "odometer_km" in err["errors"], err
    assert Decimal(vehicle(client, vid)["odometer_km"]) == Decimal("1000.0")
    assert count(runtime, FuelLog, FuelLog.vehicle_id == vid) == 0


def test_odometer_cannot_go_down_through_maintenance_and_no_record_is_kept(client, runtime):
    vid = create_vehicle(client)["id"]
    raised_to(client, vid, "1000.0")
    status, err = client.post("fleet", f"{VEHICLES}/{vid}/maintenance", maintenance(odometer_km="10.0"))
    assert status == 422 and "odometer_km" in err["errors"], err
    assert Decimal(vehicle(client, vid)["odometer_km"]) == Decimal("1000.0")
    assert count(runtime, MaintenanceRecord, MaintenanceRecord.vehicle_id == vid) == 0


def test_fuel_log_and_maintenance_without_odometer_leave_it_unchanged(client):
    vid = create_vehicle(client)["id"]
    raised_to(client, vid, "1000.0")
    assert client.post("fleet", f"{VEHICLES}/{vid}/fuel-logs", fuel_log())[0] == 201
    assert client.post("fleet", f"{VEHICLES}/{vid}/maintenance", maintenance())[0] == 201
    assert Decimal(vehicle(client, vid)["odometer_km"]) == Decimal("1000.0")


# ---- fuel logs and maintenance -------------------------------------------------------------

def test_driver_may_add_a_fuel_log_and_readers_see_it(client):
    vid = create_vehicle(client)["id"]
    status, log = client.post("driver1", f"{VEHICLES}/{vid}/fuel-logs", fuel_log(quantity="35.50", cost="284.00"))
    assert status == 201 and (log["quantity"], log["cost"]) == ("35.50", "284.00"), log
    for user in ("fleet", "finance", "logistics", "driver2"):
        status, logs = client.get(user, f"{VEHICLES}/{vid}/fuel-logs")
        assert status == 200 and [x["id"] for x in logs] == [log["id"]], (user, logs)


@pytest.mark.parametrize("user", ["staff1", "finance", "logistics"])
def test_others_cannot_add_fuel_logs(client, runtime, user):
    vid = create_vehicle(client)["id"]
    status, err = client.post(user, f"{VEHICLES}/{vid}/fuel-logs", fuel_log())
    assert status == 403, err
    assert count(runtime, FuelLog, FuelLog.vehicle_id == vid) == 0


@pytest.mark.parametrize("user", ["staff1", "driver1", "finance"])
def test_only_the_fleet_manager_records_maintenance(client, runtime, user):
    vid = create_vehicle(client)["id"]
    status, err = client.post(user, f"{VEHICLES}/{vid}/maintenance", maintenance())
    assert status == 403, err
    assert count(runtime, MaintenanceRecord, MaintenanceRecord.vehicle_id == vid) == 0


def test_maintenance_records_are_listed_for_readers(client):
    vid = create_vehicle(client)["id"]
    status, rec = client.post("fleet", f"{VEHICLES}/{vid}/maintenance", maintenance(cost="470.00", kind="repair"))
    assert status == 201 and (rec["cost"], rec["kind"]) == ("470.00", "repair"), rec
    status, rows = client.get("finance", f"{VEHICLES}/{vid}/maintenance")
    assert status == 200 and [r["id"] for r in rows] == [rec["id"]], rows


@pytest.mark.parametrize("path, body, field", [
    ("fuel-logs", fuel_log(quantity="0"), "quantity"),
    ("fuel-logs", fuel_log(cost="-1.00"), "cost"),
    ("maintenance", maintenance(cost="-5.00"), "cost"),
    ("maintenance", maintenance(kind="painting"), "kind"),
])
def test_bad_fuel_log_or_maintenance_is_422_naming_the_field(client, runtime, path, body, field):
    vid = create_vehicle(client)["id"]
    before = count(runtime, FuelLog), count(runtime, MaintenanceRecord)
    status, err = client.post("fleet", f"{VEHICLES}/{vid}/{path}", body)
    assert status == 422 and field in err["errors"], err
    assert (count(runtime, FuelLog), count(runtime, MaintenanceRecord)) == before


def test_fuel_log_for_an_unknown_vehicle_is_404(client, runtime):
    before = count(runtime, FuelLog)
    status, err = client.post("fleet", f"{VEHICLES}/999999/fuel-logs", fuel_log())
    assert status == 404, err
    assert count(runtime, FuelLog) == before


# ---- drivers -------------------------------------------------------------------------------

def test_fleet_manager_makes_a_user_a_driver_and_edits_the_licence(client):
    new_user(client)
    status, d = client.post("fleet", DRIVERS, {"username": "driver3", "licence_class": "C1", "phone": "138"})
    assert status == 201 and (d["username"], d["licence_class"], d["active"]) == ("driver3", "C1", True), d
    status, d = client.patch("fleet", f"{DRIVERS}/{d['id']}", {"licence_class": "B1"})
    assert status == 200 and d["licence_class"] == "B1", d
    status, drivers = client.get("logistics", DRIVERS)
    assert ("driver3", "B1") in [(x["username"], x["licence_class"]) for x in drivers]


@pytest.mark.parametrize("user", NOT_FLEET)
def test_only_the_fleet_manager_or_admin_creates_drivers(client, runtime, user):
    new_user(client)
    before = count(runtime, Driver)
    status, err = client.post(user, DRIVERS, {"username": "driver3", "licence_class": "C1"})
    assert status == 403, err
    assert count(runtime, Driver) == before


@pytest.mark.parametrize("user", NOT_FLEET)
def test_only_the_fleet_manager_or_admin_edits_drivers(client, user):
    did = vehicle_and_driver(client)[1]
    status, err = client.patch(user, f"{DRIVERS}/{did}", {"licence_class": "A1", "active": False})
    assert status == 403, err
    status, drivers = client.get("fleet", DRIVERS)
    d = next(x for x in drivers if x["id"] == did)
    assert (d["licence_class"], d["active"]) == ("B1", True)


def test_admin_creates_a_driver(client):
    new_user(client)
    status, d = client.post("admin", DRIVERS, {"username": "driver3", "licence_class": "A1"})
    assert status == 201 and d["licence_class"] == "A1", d


def test_making_an_existing_driver_a_driver_again_is_409(client, runtime):
    before = count(runtime, Driver)
    status, err = client.post("fleet", DRIVERS, {"username": "driver1", "licence_class": "A1"})
    assert status == 409 and "username" in err["errors"], err
    assert count(runtime, Driver) == before


@pytest.mark.parametrize("body, field", [({"username": "nobody", "licence_class": "C1"}, "username"),
                                         ({"username": "driver3", "licence_class": "Z9"}, "licence_class")])
def test_bad_driver_is_422_naming_the_field(client, runtime, body, field):
    new_user(client)
    before = count(runtime, Driver)
    status, err = client.post("fleet", DRIVERS, body)
    assert status == 422 and field in err["errors"], err
    assert count(runtime, Driver) == before


# ---- common destinations -------------------------------------------------------------------

def _destinations(client, user="staff1") -> dict[str, dict]:
    status, rows = client.get(user, DESTINATIONS)
    assert status == 200, rows
    return {d["name"]: d for d in rows}


def test_everyone_lists_active_destinations_with_their_distance(client):
    dests = _destinations(client, "staff1")
    assert len(dests) == 8
    assert dests["Municipal Government"]["distance_km"] == "68.00"
    assert dests["County People's Congress"]["name_zh"] == "县人大常委会"


def test_admin_creates_a_destination_with_its_chinese_name(client):
    status, d = client.post("admin", DESTINATIONS, {"name": "Water Bureau", "name_zh": "县水务局", "distance_km": "7.5"})
    assert status == 201 and (d["name_zh"], d["distance_km"], d["active"]) == ("县水务局", "7.50", True), d
    assert _destinations(client)["Water Bureau"]["name_zh"] == "县水务局"


def test_admin_creates_and_edits_a_destination(client):
    status, d = client.post("admin", DESTINATIONS, {"name": "Water Bureau", "distance_km": "7.5"})
    assert status == 201 and (d["distance_km"], d["active"]) == ("7.50", True), d
    assert _destinations(client)["Water Bureau"]["distance_km"] == "7.50"
    status, d = client.patch("admin", f"{DESTINATIONS}/{d['id']}", {"distance_km": "8.25"})
    assert status == 200 and d["distance_km"] == "8.25", d
    assert _destinations(client)["Water Bureau"]["distance_km"] == "8.25"
    status, d = client.patch("admin", f"{DESTINATIONS}/{d['id']}", {"active": False})
    assert status == 200 and d["active"] is False, d
    assert "Water Bureau" not in _destinations(client)


def test_edited_destination_distance_fills_new_trip_requests(client):
    dest = _destinations(client)["Dongshan Town Government"]
    status, d = client.patch("admin", f"{DESTINATIONS}/{dest['id']}", {"distance_km": "30.00"})
    assert status == 200, d
    body = {"purpose_category": "meeting", "purpose": "Budget hearing", "destination": dest["name"],
            "destination_id": dest["id"], "passengers": 1, "depart_at": at(3, 9), "return_at": at(3, 12)}
    status, req = client.post("staff1", "/api/v1/trip-requests", body)
    assert status == 201 and Decimal(req["distance_km"]) == Decimal("30.00"), req


def test_inactive_destination_cannot_be_used_for_a_trip(client):
    dest = _destinations(client)["Dongshan Town Government"]
    client.patch("admin", f"{DESTINATIONS}/{dest['id']}", {"active": False})
    body = {"purpose_category": "meeting", "purpose": "Budget hearing", "destination": dest["name"],
            "destination_id": dest["id"], "passengers": 1, "depart_at": at(3, 9), "return_at": at(3, 12)}
    status, err = client.post("staff1", "/api/v1/trip-requests", body)
    assert status == 422 and "destination_id" in err["errors"], err


@pytest.mark.parametrize("user", ["staff1", "fleet", "logistics"])
def test_only_the_admin_keeps_destinations(client, runtime, user):
    before = count(runtime, CommonDestination)
    status, err = client.post(user, DESTINATIONS, {"name": "Water Bureau", "distance_km": "7.5"})
    assert status == 403, err
    assert count(runtime, CommonDestination) == before
    dest = _destinations(client)["County Hospital"]
    status, err = client.patch(user, f"{DESTINATIONS}/{dest['id']}", {"distance_km": "1.00"})
    assert status == 403, err
    assert _destinations(client)["County Hospital"]["distance_km"] == "3.60"


def test_duplicate_destination_name_is_409_on_create_and_on_rename(client, runtime):
    before = count(runtime, CommonDestination)
    status, err = client.post("admin", DESTINATIONS, {"name": "County Hospital", "distance_km": "9"})
    assert status == 409 and "name" in err["errors"], err
    assert count(runtime, CommonDestination) == before
    dest = _destinations(client)["County Finance Bureau"]
    status, err = client.patch("admin", f"{DESTINATIONS}/{dest['id']}", {"name": "County Hospital"})
    assert status == 409 and "name" in err["errors"], err
    assert "County Finance Bureau" in _destinations(client)
    status, same = client.patch("admin", f"{DESTINATIONS}/{dest['id']}", {"name": "County Finance Bureau"})
    assert status == 200, same


@pytest.mark.parametrize("distance", ["0", "-3"])
def test_destination_distance_must_be_positive(client, runtime, distance):
    before = count(runtime, CommonDestination)
    status, err = client.post("admin", DESTINATIONS, {"name": "Nowhere", "distance_km": distance})
    assert status == 422 and "distance_km" in err["errors"], err
    assert count(runtime, CommonDestination) == before


# ---- vehicle costs -------------------------------------------------------------------------

def _costs(client, date_from, date_to, user="finance"):
    return client.get(user, f"{VEHICLES}/costs?from={date_from.isoformat()}&to={date_to.isoformat()}")


def _row(rows, vid) -> dict:
    return next(r for r in rows if r["vehicle_id"] == vid)


def _closed_trip_of_100_km(client, vid) -> dict:
    did = vehicle_and_driver(client)[1]
    req = approved_trip(client, depart_at=at(1, 9), return_at=at(1, 12))
    status, req = client.post("fleet", f"/api/v1/trip-requests/{req['id']}/actions/dispatch",
                              {"version": req["version"], "vehicle_id": vid, "driver_id": did})
    assert status == 200, req
    for user, action, extra in [("driver1", "depart", {"odometer_km": "0.0"}),
                                ("driver1", "arrive", {"odometer_km": "100.0", "energy_used": "8.00",
                                                       "tolls": "20.00", "parking": "10.00"}),
                                ("fleet", "close", {})]:
        status, req = client.post(user, f"/api/v1/trip-requests/{req['id']}/actions/{action}",
                                  {"version": req["version"], **extra})
        assert status == 200, (action, req)
    assert req["status"] == "closed"
    return req


def test_vehicle_costs_add_fuel_tolls_parking_and_maintenance_per_km(client):
    vid = create_vehicle(client)["id"]
    _closed_trip_of_100_km(client, vid)
    status, log = client.post("fleet", f"{VEHICLES}/{vid}/fuel-logs", fuel_log(quantity="62.50", cost="500.00"))
    assert status == 201, log
    status, rec = client.post("fleet", f"{VEHICLES}/{vid}/maintenance", maintenance(cost="470.00"))
    assert status == 201, rec
    status, rows = _costs(client, today() - dt.timedelta(days=1), today() + dt.timedelta(days=1))
    assert status == 200, rows
    row = _row(rows, vid)
    assert row["trips"] == 1 and Decimal(row["km"]) == 100, row
    assert (row["fuel_cost"], row["tolls"], row["parking"], row["maintenance"]) == ("500.00", "20.00", "10.00",
                                                                                    "470.00"), row
    assert row["total"] == "1000.00" and row["cost_per_km"] == "10.00", row


def test_vehicle_costs_count_only_the_period_asked_for(client):
    vid = create_vehicle(client)["id"]
    _closed_trip_of_100_km(client, vid)
    client.post("fleet", f"{VEHICLES}/{vid}/fuel-logs", fuel_log(cost="500.00"))
    client.post("fleet", f"{VEHICLES}/{vid}/maintenance", maintenance(cost="470.00"))
    last_month = today() - dt.timedelta(days=40)
    status, rows = _costs(client, last_month, last_month + dt.timedelta(days=7))
    assert status == 200, rows
    row = _row(rows, vid)
    assert (row["trips"], Decimal(row["km"]), row["total"], row["cost_per_km"]) == (0, 0, "0.00", None), row


def test_vehicle_without_kilometres_has_no_cost_per_km(client):
    vid = create_vehicle(client)["id"]
    client.post("fleet", f"{VEHICLES}/{vid}/maintenance", maintenance(cost="470.00"))
    status, rows = _costs(client, today(), today())
    row = _row(rows, vid)
    assert row["total"] == "470.00" and row["cost_per_km"] is None, row


def test_vehicle_costs_period_backwards_is_422_naming_to(client):
    status, err = _costs(client, today(), today() - dt.timedelta(days=1))
    assert status == 422 and "to" in err["errors"], err


@pytest.mark.parametrize("query, field", [("to=2026-01-31", "from"), ("from=2026-01-01", "to"),
                                          ("from=yesterday&to=2026-01-31", "from")])
def test_vehicle_costs_need_both_dates(client, query, field):
    status, err = client.get("finance", f"{VEHICLES}/costs?{query}")
    assert status == 422 and any(field in k for k in err["errors"]), err


@pytest.mark.parametrize("user, allowed", [("staff1", False), ("driver1", False), ("fleet", True),
                                           ("logistics", True), ("finance", True), ("admin", True)])
def test_vehicle_costs_are_for_fleet_logistics_finance_and_admin(client, user, allowed):
    status, body = _costs(client, today(), today(), user)
    assert status == (200 if allowed else 403), body
