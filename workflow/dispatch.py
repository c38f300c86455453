"""Dispatch: candidate vehicles and drivers, carpooling, bookings without overlap, and the trip itself."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from policies import Outcome
from policies.travel import fuel_check

from . import audit, trip_requests
from .access import Actor
from .db import utcnow
from .errors import Conflict, Forbidden, InvalidInput, NotFound, PolicyBlocked, StaleVersion
from .fleet import Driver, Vehicle, advance_odometer, licence_covers
from .machines import fire, triggers
from .outbox import emit
from .people import User
from .trips import TRIP_MACHINE, Trip, TripRequest

ACTIONS = ("approve", "return", "reject", "cancel", "resubmit", "dispatch", "depart", "arrive", "close")
NEW_ENERGY = ("electric",)


def _buffer(doc) -> dt.timedelta:
    return dt.timedelta(minutes=doc.travel["booking_buffer_minutes"])


def _overlapping(column, resource_id, starts, ends, exclude_trip=None):
    cond = and_(column == resource_id, Trip.active.is_(True), Trip.starts_at < ends, Trip.ends_at > starts)
    if exclude_trip is not None:
        cond = and_(cond, Trip.id != exclude_trip)
    return select(Trip.id).where(cond)


def _window(requests: list[TripRequest], doc) -> tuple[dt.datetime, dt.datetime]:
    pad = _buffer(doc)
    return min(r.depart_at for r in requests) - pad, max(r.return_at for r in requests) + pad


def expected_cost(vehicle: Vehicle, round_trip_km: Decimal, doc) -> Decimal:
    prices = doc.travel["energy_prices"]
    price = Decimal(str(prices.get(vehicle.energy if vehicle.energy != "hybrid" else "petrol")))
    return (round_trip_km * vehicle.norm_per_100km / 100 * price).quantize(Decimal("0.01"))


def candidates(request_id: int, actor: Actor, uow) -> dict:
    """Vehicles that could serve the request, best first, and the drivers free for its period."""
    if not actor.is_("fleet", "logistics", "admin"):
        raise Forbidden("candidates are for the fleet manager")
    with uow:
        s = uow.session
        doc = uow.policy_document
        req = trip_requests.load(s, request_id, actor)
        starts, ends = _window([req], doc)
        busy_vehicles = set(s.scalars(select(Trip.vehicle_id).where(
            Trip.active.is_(True), Trip.starts_at < ends, Trip.ends_at > starts)))
        busy_drivers = set(s.scalars(select(Trip.driver_id).where(
            Trip.active.is_(True), Trip.starts_at < ends, Trip.ends_at > starts)))
        round_trip = req.distance_km * 2
        ranked = []
        for v in s.scalars(select(Vehicle).where(Vehicle.status == "in_service", Vehicle.seats >= req.passengers)):
            if v.id in busy_vehicles:
                continue
            in_range = v.energy in NEW_ENERGY and (v.range_km or 0) >= round_trip
            if v.energy == "electric" and not in_range:
                continue  # cannot make the round trip on one charge
            cost = expected_cost(v, round_trip, doc)
            ranked.append((0 if in_range else 1, cost, v.seats, v.id, v))
        ranked.sort(key=lambda t: t[:4])
        drivers = s.execute(select(Driver, User.username, User.full_name).join(User, User.id == Driver.user_id)
                            .where(Driver.active.is_(True)).order_by(Driver.id)).all()
        return {
            "vehicles": [{"id": v.id, "plate": v.plate, "kind": v.kind, "energy": v.energy, "seats": v.seats,
                          "new_energy_in_range": new == 0, "expected_cost": cost}
                         for new, cost, _, _, v in ranked],
            "drivers": [{"id": d.id, "username": u, "full_name": n, "licence_class": d.licence_class}
                        for d, u, n in drivers if d.id not in busy_drivers],
            "period": {"starts_at": starts, "ends_at": ends},
        }


def carpool(request_id: int, actor: Actor, uow) -> list[dict]:
    """Approved requests to the same destination whose times overlap this one's: one car for all."""
    if not actor.is_("fleet", "logistics", "admin"):
        raise Forbidden("carpooling is arranged by the fleet manager")
    with uow:
        s = uow.session
        req = trip_requests.load(s, request_id, actor)
        same_place = (TripRequest.destination_id == req.destination_id) if req.destination_id else (
            func.lower(func.trim(TripRequest.destination)) == req.destination.strip().lower())
        rows = s.scalars(select(TripRequest).where(
            TripRequest.status == "approved", TripRequest.id != req.id, same_place,
            TripRequest.depart_at < req.return_at, TripRequest.return_at > req.depart_at).order_by(TripRequest.depart_at))
        return [{"id": r.id, "number": r.number, "destination": r.destination, "passengers": r.passengers,
                 "depart_at": r.depart_at, "return_at": r.return_at, "version": r.version} for r in rows]


def act(request_id: int, action: str, body: dict, actor: Actor, uow) -> dict:
    """Any action on a trip request, with the version check, the audit events and the outbox events."""
    if action not in ACTIONS:
        raise NotFound(f"no action {action}")
    with uow:
        s = uow.session
        doc = uow.policy_document
        req = trip_requests.load(s, request_id, actor, for_update=True)
        if req.version != body["version"]:
            raise StaleVersion("the trip request changed since you read it", current_version=req.version)
        if action not in triggers(TRIP_MACHINE, req.status):
            fire(TRIP_MACHINE, req, action)  # raises IllegalStep with the allowed actions
        try:
            if action in TRIP_STEPS:
                TRIP_STEPS[action](s, req, body, actor, doc)
            else:
                _review_or_cancel(s, req, action, body, actor, doc, uow.office_tz)
        except PolicyBlocked:
            uow.commit()  # a refused resubmission still counts as an avoided trip
            raise
        uow.commit()
        return trip_requests.view(req, actor, s)


def _review_or_cancel(s, req, action, body, actor, doc, zone):
    trip_id = req.trip_id
    trip_requests.review(req, action, actor, s, doc, zone, comment=body.get("comment"))
    if action == "cancel" and trip_id is not None:
        req.trip_id = None
        trip = s.get(Trip, trip_id)
        if not s.scalar(select(func.count()).select_from(TripRequest).where(
                TripRequest.trip_id == trip_id, TripRequest.id != req.id)):
            trip.active, trip.status = False, "cancelled"  # frees the vehicle and the driver


def _require(body: dict, *names: str) -> None:
    missing = {n: ["Required for this action."] for n in names if body.get(n) is None}
    if missing:
        raise InvalidInput("missing fields", missing)


def _move(s, trip: Trip, action: str, actor: Actor, comment=None) -> list[TripRequest]:
    """Fire `action` on every request the trip serves (a carpool moves together)."""
    moved = list(s.scalars(select(TripRequest).where(TripRequest.trip_id == trip.id)
                           .order_by(TripRequest.id).with_for_update()))
    for r in moved:
        before, after = fire(TRIP_MACHINE, r, action)
        r.touch()
        r.status_changed_at = r.updated_at
        audit.record(s, "trip_request", r.id, action, actor, from_state=before, to_state=after, comment=comment,
                     data={"trip": trip.id})
    trip.status = moved[0].status if moved else trip.status
    return moved


def _dispatch(s, req: TripRequest, body: dict, actor: Actor, doc) -> None:
    if not actor.is_("fleet"):
        raise Forbidden("only the fleet manager dispatches")
    _require(body, "vehicle_id", "driver_id")
    group = [req]
    for n, other_id in enumerate(body.get("carpool_ids") or []):
        other = s.scalar(select(TripRequest).where(TripRequest.id == other_id).with_for_update())
        if other is None or other.status != "approved" or other.id == req.id:
            raise InvalidInput("not an approved request", {f"carpool_ids.{n}": ["Not another approved trip request."]})
        group.append(other)
    vehicle = s.scalar(select(Vehicle).where(Vehicle.id == body["vehicle_id"]).with_for_update())
    if vehicle is None or vehicle.status != "in_service":
        raise InvalidInput("vehicle not available", {"vehicle_id": ["Unknown, retired or under maintenance."]})
    driver = s.get(Driver, body["driver_id"])
    if driver is None or not driver.active:
        raise InvalidInput("driver not available", {"driver_id": ["Unknown or inactive driver."]})
    if not licence_covers(driver.licence_class, vehicle.kind):
        raise InvalidInput("licence class", {"driver_id": [f"Licence {driver.licence_class} does not cover a {vehicle.kind}."]})
    passengers = sum(r.passengers for r in group)
    if passengers > vehicle.seats:
        raise InvalidInput("not enough seats", {"vehicle_id": [f"{vehicle.seats} seats for {passengers} passengers."]})
    starts, ends = _window(group, doc)
    # The check gives a clear answer; the row lock on the vehicle (and, on PostgreSQL, the
    # exclusion constraints) make sure two dispatchers can never both win.
    if s.scalar(_overlapping(Trip.vehicle_id, vehicle.id, starts, ends).limit(1)):
        raise Conflict("vehicle booked", {"vehicle_id": ["Already booked for part of this period."]})
    if s.scalar(_overlapping(Trip.driver_id, driver.id, starts, ends).limit(1)):
        raise Conflict("driver booked", {"driver_id": ["Already booked for part of this period."]})
    trip = Trip(vehicle_id=vehicle.id, driver_id=driver.id, starts_at=starts, ends_at=ends, active=True,
                status="dispatched", tolls=Decimal("0.00"), parking=Decimal("0.00"), fuel_anomaly=False,
                created_at=utcnow())
    s.add(trip)
    try:
        s.flush()
    except IntegrityError as exc:
        raise Conflict("booked meanwhile", {"vehicle_id": ["Booked by someone else just now."]}) from exc
    for r in group:
        r.trip_id = trip.id
    s.flush()
    _move(s, trip, "dispatch", actor, body.get("comment"))
    driver_user = s.get(User, driver.user_id)
    emit(s, "trip.dispatched", "trip", trip.id, requests=[r.id for r in group], vehicle=vehicle.plate,
         number=", ".join(r.number or "" for r in group),
         driver_user_id=driver_user.id, requester_ids=[r.requester_id for r in group], actor_id=actor.id)


def _trip_for(s, req: TripRequest, actor: Actor, *, driver_may: bool) -> Trip:
    trip = s.scalar(select(Trip).where(Trip.id == req.trip_id).with_for_update())
    driver_user = s.scalar(select(Driver.user_id).where(Driver.id == trip.driver_id))
    if not (actor.is_("fleet") or (driver_may and actor.id == driver_user)):
        raise Forbidden("only the trip's driver or the fleet manager records this")
    return trip


def _depart(s, req: TripRequest, body: dict, actor: Actor, doc) -> None:
    _require(body, "odometer_km")
    trip = _trip_for(s, req, actor, driver_may=True)
    vehicle = s.scalar(select(Vehicle).where(Vehicle.id == trip.vehicle_id).with_for_update())
    advance_odometer(vehicle, body["odometer_km"], "odometer_km")
    trip.depart_odometer_km = body["odometer_km"]
    trip.departed_at = utcnow()
    _move(s, trip, "depart", actor)


def _arrive(s, req: TripRequest, body: dict, actor: Actor, doc) -> None:
    _require(body, "odometer_km", "energy_used")
    trip = _trip_for(s, req, actor, driver_may=True)
    if body["odometer_km"] < trip.depart_odometer_km:
        raise InvalidInput("odometer went down",
                           {"odometer_km": [f"Below the departure reading of {trip.depart_odometer_km} km."]})
    vehicle = s.scalar(select(Vehicle).where(Vehicle.id == trip.vehicle_id).with_for_update())
    advance_odometer(vehicle, body["odometer_km"], "odometer_km")
    trip.arrive_odometer_km = body["odometer_km"]
    trip.arrived_at = utcnow()
    trip.energy_used = body["energy_used"]
    trip.fuel_cost = body.get("fuel_cost")
    trip.tolls = body.get("tolls") or Decimal("0.00")
    trip.parking = body.get("parking") or Decimal("0.00")
    distance = trip.distance_km
    assert distance is not None  # both odometer readings are set by now
    finding = fuel_check(distance, trip.energy_used, vehicle.norm_per_100km, doc)
    trip.per_100km = Decimal(finding.params["per_100km"])
    trip.fuel_anomaly = finding.outcome is not Outcome.PASS
    moved = _move(s, trip, "arrive", actor)
    if trip.fuel_anomaly:
        emit(s, "trip.fuel_anomaly", "trip", trip.id, vehicle=vehicle.plate, per_100km=finding.params["per_100km"],
             number=", ".join(r.number or "" for r in moved),
             norm=finding.params["norm"], requests=[r.id for r in moved], actor_id=actor.id)


def _close(s, req: TripRequest, body: dict, actor: Actor, doc) -> None:
    if not actor.is_("fleet"):
        raise Forbidden("only the fleet manager closes a trip")
    trip = _trip_for(s, req, actor, driver_may=False)
    trip.closed_at = utcnow()
    trip.close_note = body.get("comment")
    _move(s, trip, "close", actor, body.get("comment"))
    emit(s, "trip.closed", "trip", trip.id, distance_km=str(trip.distance_km), actor_id=actor.id)


TRIP_STEPS = {"dispatch": _dispatch, "depart": _depart, "arrive": _arrive, "close": _close}
