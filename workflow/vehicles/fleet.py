"""The central fleet: vehicles, drivers, maintenance records and fuel or charging logs."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Numeric, String, select
from sqlalchemy.orm import Mapped, mapped_column

from workflow.kernel.access import Actor
from workflow.kernel.db import Base, Money, UTCDateTime, utcnow
from workflow.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound

KINDS = ("sedan", "suv", "van", "pickup", "minibus", "bus")
ENERGIES = ("petrol", "diesel", "hybrid", "electric")
VEHICLE_STATUSES = ("in_service", "maintenance", "retired")
LICENCE_CLASSES = ("C1", "B1", "A1")  # each covers the ones before it
# The lowest licence class that may drive each kind of vehicle.
LICENCE_FOR_KIND = {"sedan": "C1", "suv": "C1", "van": "C1", "pickup": "C1", "minibus": "B1", "bus": "A1"}
FLEET_READERS = ("fleet", "logistics", "admin", "finance", "driver")
Km = Numeric(10, 1, asdecimal=True)
Energy = Numeric(8, 2, asdecimal=True)


class Vehicle(Base):
    __tablename__ = "vehicles"
    id: Mapped[int] = mapped_column(primary_key=True)
    plate: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    energy: Mapped[str] = mapped_column(String(16))
    seats: Mapped[int]  # passenger seats, the driver's not counted
    norm_per_100km: Mapped[Decimal] = mapped_column(Energy)  # litres, or kWh for electric vehicles
    range_km: Mapped[int | None]  # electric vehicles: range on a full charge
    status: Mapped[str] = mapped_column(String(16), default="in_service")
    odometer_km: Mapped[Decimal] = mapped_column(Km, default=Decimal("0"))
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS}", name="known_kind"),
        CheckConstraint(f"energy IN {ENERGIES}", name="known_energy"),
        CheckConstraint(f"status IN {VEHICLE_STATUSES}", name="known_status"),
        CheckConstraint("seats > 0", name="seats_positive"),
        CheckConstraint("odometer_km >= 0", name="odometer_not_negative"),
    )

    @property
    def unit(self) -> str:
        return "kWh" if self.energy == "electric" else "L"


class Driver(Base):
    __tablename__ = "drivers"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    licence_class: Mapped[str] = mapped_column(String(4))
    phone: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (CheckConstraint(f"licence_class IN {LICENCE_CLASSES}", name="known_licence"),)


class MaintenanceRecord(Base):
    __tablename__ = "maintenance_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"))
    performed_on: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))  # routine, repair, tyres, inspection, ...
    description: Mapped[str] = mapped_column(String(500), default="")
    cost: Mapped[Decimal] = mapped_column(Money)
    odometer_km: Mapped[Decimal | None] = mapped_column(Km)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (Index("ix_maintenance_vehicle_date", "vehicle_id", "performed_on"),
                      CheckConstraint("cost >= 0", name="cost_not_negative"))


class FuelLog(Base):
    """A refuelling or a charge: litres (kWh for electric vehicles) and what it cost."""

    __tablename__ = "fuel_logs"
    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"))
    filled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    quantity: Mapped[Decimal] = mapped_column(Energy)
    cost: Mapped[Decimal] = mapped_column(Money)
    odometer_km: Mapped[Decimal | None] = mapped_column(Km)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    __table_args__ = (Index("ix_fuel_logs_vehicle_time", "vehicle_id", "filled_at"),
                      CheckConstraint("quantity > 0", name="quantity_positive"),
                      CheckConstraint("cost >= 0", name="cost_not_negative"))


def licence_covers(licence: str, kind: str) -> bool:
    return LICENCE_CLASSES.index(licence) >= LICENCE_CLASSES.index(LICENCE_FOR_KIND[kind])


def _require_fleet(actor: Actor) -> None:
    if not actor.is_("fleet", "admin"):
        raise Forbidden("only the fleet manager manages vehicles and drivers")


def _require_reader(actor: Actor) -> None:
    if not actor.is_(*FLEET_READERS):
        raise Forbidden("the fleet is for the fleet manager, logistics, finance and drivers")


def vehicle_view(v: Vehicle) -> dict:
    return {"id": v.id, "plate": v.plate, "kind": v.kind, "energy": v.energy, "seats": v.seats,
            "norm_per_100km": v.norm_per_100km, "unit": v.unit, "range_km": v.range_km, "status": v.status,
            "odometer_km": v.odometer_km}


def driver_view(d: Driver, username: str, full_name: str) -> dict:
    return {"id": d.id, "user_id": d.user_id, "username": username, "full_name": full_name,
            "licence_class": d.licence_class, "phone": d.phone, "active": d.active}


def advance_odometer(vehicle: Vehicle, reading: Decimal, field: str) -> None:
    """Odometers only go up: a lower reading than the vehicle's is refused."""
    if reading < vehicle.odometer_km:
        raise InvalidInput("odometer went down", {field: [f"Below the vehicle's odometer of {vehicle.odometer_km} km."]})
    vehicle.odometer_km = reading


def _check_vehicle_fields(fields: dict) -> None:
    energy = fields.get("energy")
    if energy == "electric" and not fields.get("range_km"):
        raise InvalidInput("electric vehicles need a range", {"range_km": ["Required for electric vehicles."]})


def list_vehicles(actor: Actor, uow, *, status=None) -> list[dict]:
    _require_reader(actor)
    with uow:
        return [vehicle_view(v) for v in uow.vehicles.listing(status)]


def get_vehicle(vehicle_id: int, actor: Actor, uow) -> dict:
    _require_reader(actor)
    with uow:
        v = uow.vehicles.get(vehicle_id)
        if v is None:
            raise NotFound("no such vehicle")
        return vehicle_view(v)


def create_vehicle(fields: dict, actor: Actor, uow) -> dict:
    _require_fleet(actor)
    _check_vehicle_fields(fields)
    with uow:
        if uow.vehicles.plate_taken(fields["plate"]):
            raise Conflict("plate exists", {"plate": ["A vehicle with this plate exists."]})
        v = uow.vehicles.add(Vehicle(status="in_service", odometer_km=Decimal("0"), **fields))
        uow.record("vehicle", v.id, "create", actor, to_state=v.status)
        uow.commit()
        return vehicle_view(v)


def update_vehicle(vehicle_id: int, fields: dict, actor: Actor, uow) -> dict:
    _require_fleet(actor)
    with uow:
        v = _locked_vehicle(uow, vehicle_id)
        before = v.status
        if "odometer_km" in fields:
            advance_odometer(v, fields.pop("odometer_km"), "odometer_km")
        for name in ("kind", "seats", "norm_per_100km", "range_km", "status"):
            if name in fields:
                setattr(v, name, fields[name])
        _check_vehicle_fields({"energy": v.energy, "range_km": v.range_km})
        uow.record("vehicle", v.id, "update", actor, from_state=before, to_state=v.status,
                   data={"fields": sorted(fields)})
        uow.commit()
        return vehicle_view(v)


def list_drivers(actor: Actor, uow) -> list[dict]:
    _require_reader(actor)
    with uow:
        return [driver_view(d, u, n) for d, u, n in uow.drivers.roster()]


def create_driver(fields: dict, actor: Actor, uow) -> dict:
    from workflow.people.accounts import User

    _require_fleet(actor)
    with uow:
        user = uow.reads.scalar(select(User).where(User.username == fields["username"]))
        if user is None:
            raise InvalidInput("unknown user", {"username": ["No such user."]})
        if uow.drivers.is_driver(user.id):
            raise Conflict("already a driver", {"username": ["Already a driver."]})
        d = uow.drivers.add(Driver(user_id=user.id, licence_class=fields["licence_class"],
                                   phone=fields.get("phone", ""), active=True))
        uow.record("driver", d.id, "create", actor)
        uow.commit()
        return driver_view(d, user.username, user.full_name)


def update_driver(driver_id: int, fields: dict, actor: Actor, uow) -> dict:
    from workflow.people.accounts import User

    _require_fleet(actor)
    with uow:
        d = uow.drivers.get(driver_id)
        if d is None:
            raise NotFound("no such driver")
        for name in ("licence_class", "phone", "active"):
            if name in fields:
                setattr(d, name, fields[name])
        uow.record("driver", d.id, "update", actor, data={"fields": sorted(fields)})
        uow.commit()
        user = uow.reads.get(User, d.user_id)
        return driver_view(d, user.username, user.full_name)


def _locked_vehicle(uow, vehicle_id: int) -> Vehicle:
    v = uow.vehicles.get(vehicle_id, lock=True)
    if v is None:
        raise NotFound("no such vehicle")
    return v


def add_maintenance(vehicle_id: int, fields: dict, actor: Actor, uow) -> dict:
    _require_fleet(actor)
    with uow:
        v = _locked_vehicle(uow, vehicle_id)
        if fields.get("odometer_km") is not None:
            advance_odometer(v, fields["odometer_km"], "odometer_km")
        rec = MaintenanceRecord(vehicle_id=v.id, recorded_by_id=actor.id, created_at=utcnow(), **fields)
        uow.vehicles.record_maintenance(rec)
        uow.record("vehicle", v.id, "maintenance", actor, data={"record": rec.id, "cost": str(rec.cost)})
        uow.commit()
        return _maintenance_view(rec)


def add_fuel_log(vehicle_id: int, fields: dict, actor: Actor, uow) -> dict:
    if not actor.is_("fleet", "admin", "driver"):
        raise Forbidden("fuel logs are kept by the fleet manager and drivers")
    with uow:
        v = _locked_vehicle(uow, vehicle_id)
        if fields.get("odometer_km") is not None:
            advance_odometer(v, fields["odometer_km"], "odometer_km")
        log = FuelLog(vehicle_id=v.id, recorded_by_id=actor.id, **fields)
        uow.vehicles.log_fuel(log)
        uow.record("vehicle", v.id, "fuel", actor, data={"log": log.id, "cost": str(log.cost)})
        uow.commit()
        return _fuel_view(log)


def _maintenance_view(r: MaintenanceRecord) -> dict:
    return {"id": r.id, "vehicle_id": r.vehicle_id, "performed_on": r.performed_on, "kind": r.kind,
            "description": r.description, "cost": r.cost, "odometer_km": r.odometer_km}


def _fuel_view(f: FuelLog) -> dict:
    return {"id": f.id, "vehicle_id": f.vehicle_id, "filled_at": f.filled_at, "quantity": f.quantity,
            "cost": f.cost, "odometer_km": f.odometer_km}


def list_maintenance(vehicle_id: int, actor: Actor, uow) -> list[dict]:
    _require_reader(actor)
    with uow:
        return [_maintenance_view(r) for r in uow.vehicles.maintenance_of(vehicle_id)]


def list_fuel_logs(vehicle_id: int, actor: Actor, uow) -> list[dict]:
    _require_reader(actor)
    with uow:
        return [_fuel_view(f) for f in uow.vehicles.fuel_logs_of(vehicle_id)]
