"""Finance's vehicle report: trips, kilometres, energy, cost per km, and the car trips avoided.

Every figure is a GROUP BY in the database; `reads` is the unit of work's `uow.reads`.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import case, func, select

from policies.periods import Period

from workflow.people.accounts import Department
from workflow.vehicles.fleet import FuelLog, MaintenanceRecord, Vehicle
from workflow.vehicles.model import AvoidedTrip, Trip, TripRequest
from .sql import ZERO, bounds, change_pct, dec, money

GROUPS = ("vehicle", "department")


def _trip_department():
    """A trip belongs to the department of the first request it served (carpools share one car)."""
    return (select(TripRequest.department_id).where(TripRequest.trip_id == Trip.id)
            .order_by(TripRequest.id).limit(1).scalar_subquery())


def _trips(reads, period: Period, zone, group_by: str, department_id: int | None) -> dict:
    start, end = bounds(period, zone)
    dep = _trip_department()
    key = Trip.vehicle_id if group_by == "vehicle" else dep
    electric = Vehicle.energy == "electric"
    distance = Trip.arrive_odometer_km - Trip.depart_odometer_km
    stmt = (select(key.label("k"), func.count(Trip.id), func.sum(distance),
                   func.sum(case((electric, 0), else_=distance)),
                   func.sum(case((electric, 0), else_=Trip.energy_used)),
                   func.sum(case((electric, Trip.energy_used), else_=0)),
                   func.sum(Trip.fuel_cost), func.sum(Trip.tolls + Trip.parking),
                   func.sum(case((Trip.fuel_anomaly.is_(True), 1), else_=0)))
            .join(Vehicle, Vehicle.id == Trip.vehicle_id)
            .where(Trip.arrived_at >= start, Trip.arrived_at < end).group_by(key))
    if department_id:
        stmt = stmt.where(dep == department_id)
    return {r[0]: r[1:] for r in reads.execute(stmt)}


def _upkeep(reads, period: Period) -> dict:
    return dict(reads.execute(select(MaintenanceRecord.vehicle_id, func.sum(MaintenanceRecord.cost))
                          .where(MaintenanceRecord.performed_on >= period.start,
                                 MaintenanceRecord.performed_on < period.end)
                          .group_by(MaintenanceRecord.vehicle_id)).all())


def _fuel_paid(reads, period: Period, zone) -> dict:
    start, end = bounds(period, zone)
    return dict(reads.execute(select(FuelLog.vehicle_id, func.sum(FuelLog.cost))
                          .where(FuelLog.filled_at >= start, FuelLog.filled_at < end)
                          .group_by(FuelLog.vehicle_id)).all())


def _rows(reads, period, zone, group_by, department_id):
    trips = _trips(reads, period, zone, group_by, department_id)
    # Fuel logs and maintenance belong to vehicles, not departments: they are shown by vehicle for
    # the whole office only; a department's figures use the fuel its trips recorded.
    fleet_wide = group_by == "vehicle" and not department_id
    upkeep = _upkeep(reads, period) if fleet_wide else {}
    paid = _fuel_paid(reads, period, zone) if fleet_wide else {}
    rows = {}
    for k, (count, km, fuel_km, litres, kwh, fuel_cost, tolls_parking, anomalies) in trips.items():
        km = dec(km, "0.1")
        fuel = money(paid.get(k)) if fleet_wide else money(fuel_cost)
        maintenance = money(upkeep.get(k)) if fleet_wide else None
        cost = fuel + money(tolls_parking) + (maintenance or ZERO)
        rows[k] = {"trips": count, "km": km, "fuel_km": dec(fuel_km, "0.1"), "litres": dec(litres, "0.01"),
                   "kwh": dec(kwh, "0.01"), "fuel_cost": fuel, "tolls_and_parking": money(tolls_parking),
                   "maintenance_cost": maintenance, "cost": cost,
                   "cost_per_km": (cost / km).quantize(Decimal("0.01")) if km else None,
                   "fuel_anomalies": int(anomalies or 0)}
    for k in (set(upkeep) | set(paid)) - set(rows):  # refuelled or maintained, but not driven
        rows[k] = {"trips": 0, "km": ZERO, "fuel_km": ZERO, "litres": ZERO, "kwh": ZERO, "fuel_cost": money(paid.get(k)),
                   "tolls_and_parking": ZERO, "maintenance_cost": money(upkeep.get(k)),
                   "cost": money(paid.get(k)) + money(upkeep.get(k)), "cost_per_km": None, "fuel_anomalies": 0}
    return rows


def avoided(reads, period: Period, zone, doc, department_id: int | None = None) -> dict:
    """Car trips refused by VU-135: count, round-trip km, litres and kg CO2 not spent."""
    start, end = bounds(period, zone)
    stmt = (select(AvoidedTrip.suggested_mode, func.count(), func.sum(AvoidedTrip.distance_km * 2))
            .where(AvoidedTrip.created_at >= start, AvoidedTrip.created_at < end)
            .group_by(AvoidedTrip.suggested_mode))
    if department_id:
        stmt = stmt.where(AvoidedTrip.department_id == department_id)
    by_mode = {mode: {"trips": n, "km": dec(km, "0.1")} for mode, n, km in reads.execute(stmt)}
    km = sum((m["km"] for m in by_mode.values()), ZERO)
    litres = (km * Decimal(str(doc.travel["avoided_trip_litres_per_100km"])) / 100).quantize(Decimal("0.01"))
    co2 = (litres * Decimal(str(doc.travel["emission_factors"]["petrol"]))).quantize(Decimal("0.1"))
    return {"trips": sum(m["trips"] for m in by_mode.values()), "km": km, "litres_saved": litres,
            "co2_kg_saved": co2, "by_mode": by_mode}


def vehicles(reads, period: Period, baseline: Period, group_by: str, zone, doc, department_id: int | None = None) -> dict:
    now = _rows(reads, period, zone, group_by, department_id)
    before = _rows(reads, baseline, zone, group_by, department_id)
    if group_by == "vehicle":
        names = dict(reads.execute(select(Vehicle.id, Vehicle.plate)).all())
    else:
        names = dict(reads.execute(select(Department.id, Department.code)).all())
    groups = []
    for k in sorted(set(now) | set(before), key=lambda k: str(names.get(k, k))):
        row = now.get(k) or {"trips": 0, "km": ZERO, "fuel_km": ZERO, "litres": ZERO, "kwh": ZERO, "fuel_cost": ZERO,
                             "tolls_and_parking": ZERO, "maintenance_cost": None, "cost": ZERO,
                             "cost_per_km": None, "fuel_anomalies": 0}
        base = before.get(k, {})
        groups.append({"key": names.get(k, k), **row, "baseline_cost": base.get("cost", ZERO),
                       "baseline_km": base.get("km", ZERO),
                       "cost_change_pct": change_pct(row["cost"], base.get("cost", ZERO))})
    total = {f: sum((g[f] for g in groups), ZERO) for f in ("trips", "km", "fuel_km", "litres", "kwh", "fuel_cost",
                                                           "tolls_and_parking", "cost", "baseline_cost",
                                                           "baseline_km", "fuel_anomalies")}
    total["cost_per_km"] = (total["cost"] / total["km"]).quantize(Decimal("0.01")) if total["km"] else None
    total["cost_change_pct"] = change_pct(total["cost"], total["baseline_cost"])
    # Litres per 100 km over the kilometres driven on fuel (electric kilometres use kWh).
    fuel_per_100 = (total["litres"] * 100 / total["fuel_km"]).quantize(Decimal("0.01")) if total["fuel_km"] else None
    return {"period": period.label, "baseline": baseline.label, "group_by": group_by, "currency": "CNY",
            "groups": groups, "total": total | {"litres_per_100km": fuel_per_100},
            "avoided": avoided(reads, period, zone, doc, department_id),
            "baseline_avoided": avoided(reads, baseline, zone, doc, department_id)}
