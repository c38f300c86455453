"""The vehicle flow on PostgreSQL over real HTTP: lifecycle, the green-travel rule, racing dispatchers."""
from __future__ import annotations

import threading
from decimal import Decimal

from sqlalchemy import func, select, text

from tests.http.trip_support import approved_trip, at, trip_body, vehicle_and_driver
from workflow.kernel.outbox import OutboxEvent
from workflow.vehicles.model import AvoidedTrip, TripRequest


def _count(runtime, model):
    with runtime.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def test_trip_runs_from_request_to_closed_with_fuel_anomaly_flagged(http, pg_app):
    runtime = pg_app.extensions["jieyue"]
    # Half a kilometre: refused, told to walk, and kept as an avoided trip; no request is stored.
    before = _count(runtime, AvoidedTrip), _count(runtime, TripRequest)
    status, err = http.post("staff1", "/api/v1/trip-requests", trip_body(distance_km="0.5"),
                            headers={"Accept-Language": "en"})
    assert status == 422 and err["code"] == "policy_blocked", err
    finding = next(f for f in err["findings"] if f["rule_id"] == "VU-135")
    assert finding["outcome"] == "block" and finding["params"]["mode"] == "walk" and "walk" in finding["message"]
    assert (_count(runtime, AvoidedTrip), _count(runtime, TripRequest)) == (before[0] + 1, before[1])

    # A common destination fills the distance; the department head approves.
    status, dests = http.get("staff1", "/api/v1/destinations")
    township = next(d for d in dests if d["name"] == "Xinzhuang Township Government")
    body = trip_body(destination_id=township["id"])
    del body["distance_km"]
    status, req = http.post("staff1", "/api/v1/trip-requests", body)
    assert status == 201 and req["status"] == "requested" and req["number"].startswith("TR-"), req
    assert Decimal(req["distance_km"]) == Decimal(township["distance_km"])
    status, req = http.post("head1", f"/api/v1/trip-requests/{req['id']}/actions/approve", {"version": req["version"]})
    assert status == 200 and req["status"] == "approved", req

    # The fleet manager sees it, gets the electric car first (37 km round trip is in range) and dispatches.
    status, queue = http.get("fleet", "/api/v1/queue")
    assert [(i["kind"], i["id"]) for i in queue["items"]] == [("trip_dispatch", req["id"])]
    status, cands = http.get("fleet", f"/api/v1/trip-requests/{req['id']}/candidates")
    assert status == 200 and cands["vehicles"][0]["energy"] == "electric", cands
    assert cands["vehicles"][0]["new_energy_in_range"] is True
    vehicle, driver_id = vehicle_and_driver(http, cands["vehicles"][0]["plate"])
    assert driver_id in [d["id"] for d in cands["drivers"]]
    status, req = http.post("fleet", f"/api/v1/trip-requests/{req['id']}/actions/dispatch",
                            {"version": req["version"], "vehicle_id": vehicle["id"], "driver_id": driver_id})
    assert status == 200 and req["status"] == "dispatched", req

    # The driver departs; a reading below the vehicle's odometer is refused and changes nothing.
    odo = Decimal(vehicle["odometer_km"])
    status, err = http.post("driver1", f"/api/v1/trip-requests/{req['id']}/actions/depart",
                            {"version": req["version"], "odometer_km": str(odo - 1)})
    assert status == 422 and "odometer_km" in err["errors"], err
    status, req = http.post("driver1", f"/api/v1/trip-requests/{req['id']}/actions/depart",
                            {"version": req["version"], "odometer_km": str(odo)})
    assert status == 200 and req["status"] == "on_trip", req
    status, queue = http.get("driver1", "/api/v1/queue")
    assert [(i["kind"], i["id"]) for i in queue["items"]] == [("trip_drive", req["id"])]

    # 40 km on 9 kWh is 22.5 kWh/100 km, above 14.5 × 1.15: flagged.
    status, req = http.post("driver1", f"/api/v1/trip-requests/{req['id']}/actions/arrive",
                            {"version": req["version"], "odometer_km": str(odo + 40), "energy_used": "9.00",
                             "tolls": "15.00", "parking": "5.00"})
    assert status == 200 and req["status"] == "returned", req
    assert req["trip"]["fuel_anomaly"] is True and Decimal(req["trip"]["per_100km"]) == Decimal("22.50")
    status, req = http.post("fleet", f"/api/v1/trip-requests/{req['id']}/actions/close",
                            {"version": req["version"], "comment": "Checked: heater on all day"})
    assert status == 200 and req["status"] == "closed", req
    status, v = http.get("fleet", f"/api/v1/vehicles/{vehicle['id']}")
    assert Decimal(v["odometer_km"]) == odo + 40

    status, history = http.get("staff1", f"/api/v1/trip-requests/{req['id']}/history")
    assert [e["action"] for e in history] == ["submit", "approve", "dispatch", "depart", "arrive", "close"]
    with runtime.uow() as uow:
        anomalies = uow.session.scalar(select(func.count()).select_from(OutboxEvent).where(
            OutboxEvent.topic == "trip.fuel_anomaly", OutboxEvent.aggregate_id == req["trip"]["id"]))
    assert anomalies == 1


def test_twenty_concurrent_dispatches_of_one_vehicle_book_it_once(http, pg_app):
    runtime = pg_app.extensions["jieyue"]
    requests_ = [approved_trip(http, depart_at=at(5, 9, n), return_at=at(5, 15, n)) for n in range(20)]
    vehicle, _ = vehicle_and_driver(http, "晋A·P3002")
    status, drivers = http.get("fleet", "/api/v1/drivers")
    # Different drivers where there are some, so the vehicle is what they fight over.
    driver_ids = [d["id"] for d in drivers]
    http.token("fleet")
    barrier = threading.Barrier(len(requests_))
    results = []

    def dispatch(n, req):
        barrier.wait()
        results.append(http.post("fleet", f"/api/v1/trip-requests/{req['id']}/actions/dispatch",
                                 {"version": req["version"], "vehicle_id": vehicle["id"],
                                  "driver_id": driver_ids[n % len(driver_ids)]}))

    threads = [threading.Thread(target=dispatch, args=(n, r)) for n, r in enumerate(requests_)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    statuses = sorted(status for status, _ in results)
    assert statuses.count(200) == 1 and statuses.count(409) == 19, statuses
    with runtime.engine.connect() as conn:
        overlaps = conn.execute(text(
            "SELECT count(*) FROM trips a JOIN trips b ON a.vehicle_id = b.vehicle_id AND a.id < b.id "
            "WHERE a.active AND b.active AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at")).scalar()
    print(f"\n20 concurrent dispatches: {statuses.count(200)} succeeded, {statuses.count(409)} got 409, "
          f"{overlaps} overlapping bookings")
    assert overlaps == 0


def test_the_database_refuses_an_overlapping_booking_even_past_the_application(pg_app):
    """The exclusion constraint holds on its own: a raw INSERT of an overlapping active trip fails."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    runtime = pg_app.extensions["jieyue"]
    with runtime.engine.begin() as conn:
        vehicle_id, driver_id = conn.execute(text("SELECT v.id, d.id FROM vehicles v, drivers d LIMIT 1")).one()
        insert = text("INSERT INTO trips (vehicle_id, driver_id, starts_at, ends_at, active, status, tolls, parking, "
                      "fuel_anomaly, created_at) VALUES (:v, :d, now() + interval '10 days', "
                      "now() + interval '10 days 3 hours', true, 'dispatched', 0, 0, false, now())")
        conn.execute(insert, {"v": vehicle_id, "d": driver_id})
    with pytest.raises(IntegrityError, match="ex_trips_vehicle_id_period"):
        with runtime.engine.begin() as conn:
            conn.execute(insert, {"v": vehicle_id, "d": driver_id + 1})
