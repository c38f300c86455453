"""The vehicle flow's stores: trip requests, trips, avoided trips, vehicles, drivers and common destinations.

`uow.trip_requests`, `uow.trips`, `uow.avoided_trips`, `uow.vehicles` (with their maintenance
records and fuel logs), `uow.drivers` and `uow.destinations`: the one way each is read to be
changed and written. They are few and their screens read them whole, so the stores keep them as
mapped objects: the session is their cache, and its flush their one write. A trip step changes
the trip and the vehicle it locked; those changes are written with the request's own (the
kernel's `uow.trip_requests.save`), in the one flush of the action.

The optimistic lock of a trip request is the mapper's version column
(`TripRequest.__mapper_args__`): every UPDATE names the version read.
"""
from __future__ import annotations

from contextlib import contextmanager

import datetime as dt

from sqlalchemy import and_, func, inspect, select
from sqlalchemy.orm.exc import StaleDataError

from workflow.kernel.errors import StaleVersion
from workflow.kernel.store import MappedStore
from workflow.kernel.uow import UnitOfWork
from workflow.people.accounts import User
from .fleet import Driver, FuelLog, MaintenanceRecord, Vehicle
from .model import AvoidedTrip, CommonDestination, Trip, TripRequest


@UnitOfWork.store("trip_requests")
class TripRequestStore:
    """Trip requests in the unit of work's transaction."""

    def __init__(self, uow):
        self._uow = uow

    def get(self, request_id: int, *, lock: bool = False) -> TripRequest | None:
        stmt = select(TripRequest).where(TripRequest.id == request_id)
        with self._reading() as s:
            return s.scalar(stmt.with_for_update() if lock else stmt)

    def of_trip(self, trip_id: int, *, lock: bool = False) -> list[TripRequest]:
        """The requests one trip serves (a carpool), in id order; locked in that order."""
        stmt = select(TripRequest).where(TripRequest.trip_id == trip_id).order_by(TripRequest.id)
        with self._reading() as s:
            return list(s.scalars(stmt.with_for_update() if lock else stmt))

    def add(self, req: TripRequest, year: int) -> TripRequest:
        """A new request, numbered in the office's year (the number comes from its id)."""
        self._uow.session.add(req)
        self._flush()
        req.number = f"TR-{year}-{req.id:06d}"
        return req

    def save(self, req: TripRequest, read_version: int, fields: tuple[str, ...] = ()) -> None:
        """Write the request's changes, or StaleVersion if another writer changed it since `read_version`.

        The mapper writes every changed field (`fields` names them for the reader of the call), with
        WHERE version = the version it loaded; that must be the one the caller read.
        """
        loaded = inspect(req).committed_state.get("version", req.version)
        if loaded != read_version:
            raise StaleVersion("the trip request changed since you read it", current_version=loaded)
        self._flush()

    def could_share_a_car_with(self, req: TripRequest) -> list[TripRequest]:
        """Approved requests to the same destination whose times overlap `req`'s, by departure."""
        same_place = (TripRequest.destination_id == req.destination_id) if req.destination_id else (
            func.lower(func.trim(TripRequest.destination)) == req.destination.strip().lower())
        with self._reading() as s:
            return list(s.scalars(select(TripRequest).where(
                TripRequest.status == "approved", TripRequest.id != req.id, same_place,
                TripRequest.depart_at < req.return_at, TripRequest.return_at > req.depart_at)
                .order_by(TripRequest.depart_at)))

    def driver_user(self, req: TripRequest) -> int | None:
        """The user id of the driver of the request's trip, if it has one."""
        if req.trip_id is None:
            return None
        with self._reading() as s:
            return s.scalar(select(Driver.user_id).join(Trip, Trip.driver_id == Driver.id).where(Trip.id == req.trip_id))

    @contextmanager
    def _reading(self):
        # A read never writes: changes wait for `save`, whose version check they must pass.
        session = self._uow.session
        with session.no_autoflush:
            yield session

    def _flush(self) -> None:
        try:
            self._uow.session.flush()
        except StaleDataError:
            raise StaleVersion("the trip request changed since you read it") from None


def _overlapping(column, resource_id: int, starts: dt.datetime, ends: dt.datetime):
    return select(Trip.id).where(and_(column == resource_id, Trip.active.is_(True), Trip.starts_at < ends,
                                      Trip.ends_at > starts))


def _booked(column, starts: dt.datetime, ends: dt.datetime):
    return select(column).where(Trip.active.is_(True), Trip.starts_at < ends, Trip.ends_at > starts)


@UnitOfWork.store("trips")
class TripStore(MappedStore):
    """Dispatched trips: one vehicle and one driver booked for a period, serving one or more requests.

    `get(trip_id, lock=True)` holds the trip's row while a step records its departure, arrival or
    close. A new trip's booking may clash with another's on PostgreSQL's exclusion constraints:
    `add` then raises the IntegrityError, which the dispatcher answers.
    """

    model = Trip

    def vehicle_booked(self, vehicle_id: int, starts: dt.datetime, ends: dt.datetime) -> bool:
        """Whether an active trip books the vehicle for part of starts..ends."""
        return self._one(_overlapping(Trip.vehicle_id, vehicle_id, starts, ends).limit(1)) is not None

    def driver_booked(self, driver_id: int, starts: dt.datetime, ends: dt.datetime) -> bool:
        """Whether an active trip books the driver for part of starts..ends."""
        return self._one(_overlapping(Trip.driver_id, driver_id, starts, ends).limit(1)) is not None

    def booked_vehicles(self, starts: dt.datetime, ends: dt.datetime) -> set[int]:
        """The vehicles an active trip books for part of starts..ends."""
        return set(self._all(_booked(Trip.vehicle_id, starts, ends)))

    def booked_drivers(self, starts: dt.datetime, ends: dt.datetime) -> set[int]:
        """The drivers an active trip books for part of starts..ends."""
        return set(self._all(_booked(Trip.driver_id, starts, ends)))


@UnitOfWork.store("avoided_trips")
class AvoidedTripStore(MappedStore):
    """The car trips a policy refused (VU-135), counted once per requester, destination and day."""

    model = AvoidedTrip

    def keep(self, **columns) -> None:
        """Count the avoided trip, unless it is counted already: INSERT ... ON CONFLICT DO NOTHING,
        so the unique key decides, even when two refusals of the same trip race."""
        self._write(self._insert().on_conflict_do_nothing(), columns)


@UnitOfWork.store("vehicles")
class VehicleStore(MappedStore):
    """The fleet's vehicles, with their maintenance records and fuel or charging logs.

    A record or a log is written with its vehicle's row locked (`get(vehicle_id, lock=True)`):
    it may advance the vehicle's odometer.
    """

    model = Vehicle

    def listing(self, status: str | None = None) -> list[Vehicle]:
        """Every vehicle, or those in one status, by plate."""
        stmt = select(Vehicle).order_by(Vehicle.plate)
        if status:
            stmt = stmt.where(Vehicle.status == status)
        return self._all(stmt)

    def plate_taken(self, plate: str) -> bool:
        return bool(self._one(select(Vehicle.id).where(Vehicle.plate == plate)))

    def in_service(self, seats: int) -> list[Vehicle]:
        """The vehicles in service with at least `seats` passenger seats."""
        return self._all(select(Vehicle).where(Vehicle.status == "in_service", Vehicle.seats >= seats))

    def record_maintenance(self, *records: MaintenanceRecord) -> None:
        """Maintenance records, written now so that they have their ids."""
        self.add_all(records)

    def log_fuel(self, *logs: FuelLog) -> None:
        """Refuellings or charges, written now so that they have their ids."""
        self.add_all(logs)

    def maintenance_of(self, vehicle_id: int) -> list[MaintenanceRecord]:
        """A vehicle's maintenance records, latest first."""
        return self._all(select(MaintenanceRecord).where(MaintenanceRecord.vehicle_id == vehicle_id)
                         .order_by(MaintenanceRecord.performed_on.desc(), MaintenanceRecord.id.desc()))

    def fuel_logs_of(self, vehicle_id: int) -> list[FuelLog]:
        """A vehicle's fuel or charging logs, latest first."""
        return self._all(select(FuelLog).where(FuelLog.vehicle_id == vehicle_id)
                         .order_by(FuelLog.filled_at.desc(), FuelLog.id.desc()))


@UnitOfWork.store("drivers")
class DriverStore(MappedStore):
    """The fleet's drivers: staff members with a licence class."""

    model = Driver

    def roster(self, *, active_only: bool = False) -> list[tuple[Driver, str, str]]:
        """(driver, username, full name) of every driver, or of the active ones, by id."""
        stmt = select(Driver, User.username, User.full_name).join(User, User.id == Driver.user_id)
        if active_only:
            stmt = stmt.where(Driver.active.is_(True))
        return [(d, u, n) for d, u, n in self._rows(stmt.order_by(Driver.id))]

    def is_driver(self, user_id: int) -> bool:
        return bool(self._one(select(Driver.id).where(Driver.user_id == user_id)))


@UnitOfWork.store("destinations")
class DestinationStore(MappedStore):
    """The common destinations, with their distances from the office."""

    model = CommonDestination

    def named(self, name: str) -> int | None:
        """The id of the destination of this name, if there is one."""
        return self._one(select(CommonDestination.id).where(CommonDestination.name == name))

    def offered(self) -> list[CommonDestination]:
        """The active destinations, by name: what the trip form offers."""
        return self._all(select(CommonDestination).where(CommonDestination.active.is_(True))
                         .order_by(CommonDestination.name))
