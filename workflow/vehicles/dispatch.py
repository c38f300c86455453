"""Dispatch: candidate vehicles and drivers for a request, and the approved requests it could share a car with.

The trip itself (dispatch, depart, arrive, close) is a step of the trip flow: workflow/vehicles/trip_steps.py.
"""
from __future__ import annotations

from decimal import Decimal

from workflow.approvals import kernel
from workflow.kernel.access import Actor
from workflow.kernel.errors import Forbidden
from . import trip_requests
from .fleet import Vehicle
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
        doc = uow.policy_document
        req = kernel.load(TRIP_FLOW, uow, request_id, actor)
        starts, ends = window([req], doc)
        busy_vehicles = uow.trips.booked_vehicles(starts, ends)
        busy_drivers = uow.trips.booked_drivers(starts, ends)
        round_trip = req.distance_km * 2
        ranked = []
        for v in uow.vehicles.in_service(seats=req.passengers):
            if v.id in busy_vehicles:
                continue
            in_range = v.energy in NEW_ENERGY and (v.range_km or 0) >= round_trip
            if v.energy == "electric" and not in_range:
                continue  # cannot make the round trip on one charge
            cost = expected_cost(v, round_trip, doc)
            ranked.append((0 if in_range else 1, cost, v.seats, v.id, v))
        ranked.sort(key=lambda t: t[:4])
        drivers = uow.drivers.roster(active_only=True)
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
        req = kernel.load(TRIP_FLOW, uow, request_id, actor)
        rows = uow.trip_requests.could_share_a_car_with(req)
        return [{"id": r.id, "number": r.number, "destination": r.destination, "passengers": r.passengers,
                 "depart_at": r.depart_at, "return_at": r.return_at, "version": r.version} for r in rows]


ACTIONS = tuple(TRIP_FLOW.who)


def act(request_id: int, action: str, body: dict, actor: Actor, uow) -> dict:
    """Any action on a trip request, with the version check, the audit events and the outbox events."""
    return trip_requests.act(request_id, action, body, actor, uow)
