"""What each vehicle cost over a period: fuel logs, tolls, parking and maintenance per kilometre."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from workflow.kernel.access import Actor
from workflow.kernel.errors import Forbidden, InvalidInput
from .fleet import FuelLog, MaintenanceRecord, Vehicle
from .model import Trip

ZERO = Decimal("0")


def _dec(value) -> Decimal:
    return Decimal(str(value)) if value is not None else ZERO


def vehicle_costs(date_from: dt.date, date_to: dt.date, actor: Actor, uow, vehicle_id: int | None = None) -> list[dict]:
    """One row per vehicle for the days date_from..date_to (inclusive, office zone); sums run in SQL."""
    if not actor.is_("fleet", "logistics", "finance", "admin"):
        raise Forbidden("vehicle costs are for the fleet manager, logistics and finance")
    if date_to < date_from:
        raise InvalidInput("period backwards", {"to": ["Must not be before from."]})
    with uow:
        reads = uow.reads  # a report: SELECTs only
        start = dt.datetime.combine(date_from, dt.time(), uow.office_tz)
        end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), uow.office_tz)
        trips = dict((r[0], r[1:]) for r in reads.execute(
            select(Trip.vehicle_id, func.count(), func.sum(Trip.arrive_odometer_km - Trip.depart_odometer_km),
                   func.sum(Trip.energy_used), func.sum(Trip.tolls), func.sum(Trip.parking))
            .where(Trip.arrived_at >= start, Trip.arrived_at < end).group_by(Trip.vehicle_id)))
        fuel = dict(reads.execute(select(FuelLog.vehicle_id, func.sum(FuelLog.cost))
                              .where(FuelLog.filled_at >= start, FuelLog.filled_at < end).group_by(FuelLog.vehicle_id)).all())
        upkeep = dict(reads.execute(select(MaintenanceRecord.vehicle_id, func.sum(MaintenanceRecord.cost))
                                .where(MaintenanceRecord.performed_on >= date_from,
                                       MaintenanceRecord.performed_on <= date_to)
                                .group_by(MaintenanceRecord.vehicle_id)).all())
        stmt = select(Vehicle.id, Vehicle.plate).order_by(Vehicle.plate)
        if vehicle_id is not None:
            stmt = stmt.where(Vehicle.id == vehicle_id)
        rows = []
        for vid, plate in reads.execute(stmt):
            count, km, energy, tolls, parking = trips.get(vid, (0, None, None, None, None))
            km, tolls, parking = _dec(km), _dec(tolls), _dec(parking)
            total = _dec(fuel.get(vid)) + tolls + parking + _dec(upkeep.get(vid))
            rows.append({"vehicle_id": vid, "plate": plate, "trips": count, "km": km, "energy_used": _dec(energy),
                         "fuel_cost": _dec(fuel.get(vid)), "tolls": tolls, "parking": parking,
                         "maintenance": _dec(upkeep.get(vid)), "total": total,
                         "cost_per_km": (total / km).quantize(Decimal("0.01")) if km else None})
        return rows
