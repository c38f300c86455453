"""Dispatch: candidate vehicles and drivers for a request, and the approved requests it could share a car with.

The trip itself (dispatch, depart, arrive, close) is a step of the trip flow: workflow/vehicles/trip_steps.py.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from workflow.approvals import kernel
from workflow.kernel.access import Actor
from workflow.kernel.errors import Forbidden
from workflow.people.accounts import User
from . import trip_requests
from .fleet import Driver, Vehicle
from .model import Trip, TripRequest
from .trip_requests import TRIP_FLOW
from .trip_steps import window

NEW_ENERGY = ("electric",)


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
        req = kernel.load(TRIP_FLOW, uow, request_id, actor)
        starts, ends = window([req], doc)
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
        req = kernel.load(TRIP_FLOW, uow, request_id, actor)
        same_place = (TripRequest.destination_id == req.destination_id) if req.destination_id else (
            func.lower(func.trim(TripRequest.destination)) == req.destination.strip().lower())
        rows = s.scalars(select(TripRequest).where(
            TripRequest.status == "approved", TripRequest.id != req.id, same_place,
            TripRequest.depart_at < req.return_at, TripRequest.return_at > req.depart_at).order_by(TripRequest.depart_at))
        return [{"id": r.id, "number": r.number, "destination": r.destination, "passengers": r.passengers,
                 "depart_at": r.depart_at, "return_at": r.return_at, "version": r.version} for r in rows]


ACTIONS = tuple(TRIP_FLOW.who)


def act(request_id: int, action: str, body: dict, actor: Actor, uow) -> dict:
    """Any action on a trip request, with the version check, the audit events and the outbox events."""
    return trip_requests.act(request_id, action, body, actor, uow)
