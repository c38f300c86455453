"""The vehicle flow's own steps after approval: dispatch a car and driver, depart, arrive, close.

Each is a step of the trip flow's declaration (trip_requests.TRIP_FLOW): the kernel has already
loaded, locked and checked the request and who acts; the step does the fleet's work and names
the other requests of the same trip (a carpool), which the kernel moves with it. The trip and
the vehicle are locked through their stores (`uow.trips.get(..., lock=True)`, `uow.vehicles`); what
a step changes on them is written with the request, in the action's one flush.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from policies import Outcome
from policies.travel import fuel_check

from workflow.approvals.flow import StepResult
from workflow.kernel.access import Actor
from workflow.kernel.db import utcnow
from workflow.kernel.errors import Conflict, InvalidInput
from .fleet import advance_odometer, licence_covers
from .model import Trip, TripRequest


def buffer(doc) -> dt.timedelta:
    return dt.timedelta(minutes=doc.travel["booking_buffer_minutes"])


def window(requests: list[TripRequest], doc) -> tuple[dt.datetime, dt.datetime]:
    """The booking of a trip serving `requests`: from the first departure to the last return, buffer included."""
    pad = buffer(doc)
    return min(r.depart_at for r in requests) - pad, max(r.return_at for r in requests) + pad


def _require(body: dict, *names: str) -> None:
    missing = {n: ["Required for this action."] for n in names if body.get(n) is None}
    if missing:
        raise InvalidInput("missing fields", missing)


def _companions(uow, trip: Trip, req: TripRequest) -> list[TripRequest]:
    """The other requests the trip serves, locked: a carpool moves together."""
    return [r for r in uow.trip_requests.of_trip(trip.id, lock=True) if r.id != req.id]


def _trip(uow, req: TripRequest) -> Trip:
    return uow.trips.get(req.trip_id, lock=True)


def fleet_only(uow, req: TripRequest, actor: Actor) -> bool:
    return actor.is_("fleet")


def driver_or_fleet(uow, req: TripRequest, actor: Actor) -> bool:
    return actor.is_("fleet") or (req.trip_id is not None and uow.trip_requests.driver_user(req) == actor.id)


def dispatch(uow, req: TripRequest, actor: Actor, body: dict) -> StepResult:
    doc = uow.policy_document
    _require(body, "vehicle_id", "driver_id")
    group = [req]
    for n, other_id in enumerate(body.get("carpool_ids") or []):
        other = uow.trip_requests.get(other_id, lock=True)
        if other is None or other.status != "approved" or other.id == req.id:
            raise InvalidInput("not an approved request", {f"carpool_ids.{n}": ["Not another approved trip request."]})
        group.append(other)
    vehicle = uow.vehicles.get(body["vehicle_id"], lock=True)
    if vehicle is None or vehicle.status != "in_service":
        raise InvalidInput("vehicle not available", {"vehicle_id": ["Unknown, retired or under maintenance."]})
    driver = uow.drivers.get(body["driver_id"])
    if driver is None or not driver.active:
        raise InvalidInput("driver not available", {"driver_id": ["Unknown or inactive driver."]})
    if not licence_covers(driver.licence_class, vehicle.kind):
        raise InvalidInput("licence class", {"driver_id": [f"Licence {driver.licence_class} does not cover a {vehicle.kind}."]})
    passengers = sum(r.passengers for r in group)
    if passengers > vehicle.seats:
        raise InvalidInput("not enough seats", {"vehicle_id": [f"{vehicle.seats} seats for {passengers} passengers."]})
    starts, ends = window(group, doc)
    # The check gives a clear answer; the row lock on the vehicle (and, on PostgreSQL, the
    # exclusion constraints) make sure two dispatchers can never both win.
    if uow.trips.vehicle_booked(vehicle.id, starts, ends):
        raise Conflict("vehicle booked", {"vehicle_id": ["Already booked for part of this period."]})
    if uow.trips.driver_booked(driver.id, starts, ends):
        raise Conflict("driver booked", {"driver_id": ["Already booked for part of this period."]})
    trip = Trip(vehicle_id=vehicle.id, driver_id=driver.id, starts_at=starts, ends_at=ends, active=True,
                status="dispatched", tolls=Decimal("0.00"), parking=Decimal("0.00"), fuel_anomaly=False,
                created_at=utcnow())
    try:
        uow.trips.add(trip)
    except IntegrityError as exc:
        raise Conflict("booked meanwhile", {"vehicle_id": ["Booked by someone else just now."]}) from exc
    for r in group:
        r.trip_id = trip.id
    uow.emit("trip.dispatched", "trip", trip.id, requests=[r.id for r in group], vehicle=vehicle.plate,
         number=", ".join(r.number or "" for r in group),
         driver_user_id=driver.user_id, requester_ids=[r.requester_id for r in group], actor_id=actor.id)
    return StepResult(data={"trip": trip.id}, companions=group[1:])


def depart(uow, req: TripRequest, actor: Actor, body: dict) -> StepResult:
    _require(body, "odometer_km")
    trip = _trip(uow, req)
    vehicle = uow.vehicles.get(trip.vehicle_id, lock=True)
    advance_odometer(vehicle, body["odometer_km"], "odometer_km")
    trip.depart_odometer_km = body["odometer_km"]
    trip.departed_at = utcnow()
    trip.status = "on_trip"
    return StepResult(data={"trip": trip.id}, companions=_companions(uow, trip, req))


def arrive(uow, req: TripRequest, actor: Actor, body: dict) -> StepResult:
    doc = uow.policy_document
    _require(body, "odometer_km", "energy_used")
    trip = _trip(uow, req)
    if body["odometer_km"] < trip.depart_odometer_km:
        raise InvalidInput("odometer went down",
                           {"odometer_km": [f"Below the departure reading of {trip.depart_odometer_km} km."]})
    vehicle = uow.vehicles.get(trip.vehicle_id, lock=True)
    advance_odometer(vehicle, body["odometer_km"], "odometer_km")
    trip.arrive_odometer_km = body["odometer_km"]
    trip.arrived_at = utcnow()
    trip.energy_used = body["energy_used"]
    trip.fuel_cost = body.get("fuel_cost")
    trip.tolls = body.get("tolls") or Decimal("0.00")
    trip.parking = body.get("parking") or Decimal("0.00")
    trip.status = "returned"
    distance = trip.distance_km
    assert distance is not None  # both odometer readings are set by now
    finding = fuel_check(distance, trip.energy_used, vehicle.norm_per_100km, doc)
    trip.per_100km = Decimal(finding.params["per_100km"])
    trip.fuel_anomaly = finding.outcome is not Outcome.PASS
    companions = _companions(uow, trip, req)
    if trip.fuel_anomaly:
        moved = sorted([req, *companions], key=lambda r: r.id)
        uow.emit("trip.fuel_anomaly", "trip", trip.id, vehicle=vehicle.plate,
             per_100km=finding.params["per_100km"], number=", ".join(r.number or "" for r in moved),
             norm=finding.params["norm"], requests=[r.id for r in moved], actor_id=actor.id)
    return StepResult(data={"trip": trip.id}, companions=companions)


def close(uow, req: TripRequest, actor: Actor, body: dict) -> StepResult:
    trip = _trip(uow, req)
    trip.closed_at = utcnow()
    trip.close_note = body.get("comment")
    trip.status = "closed"
    uow.emit("trip.closed", "trip", trip.id, distance_km=str(trip.distance_km), actor_id=actor.id)
    return StepResult(data={"trip": trip.id}, companions=_companions(uow, trip, req))


STEPS = {"dispatch": dispatch, "depart": depart, "arrive": arrive, "close": close}
