"""The store of trip requests (`uow.trip_requests`): the one way a trip request is read and written.

Trip requests are few and their screens read them whole, so the store keeps them as mapped
objects: the session is its cache, and its flush its one write. The optimistic lock is the
mapper's version column (`TripRequest.__mapper_args__`): every UPDATE names the version read.
"""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import inspect, select
from sqlalchemy.orm.exc import StaleDataError

from workflow.kernel.errors import StaleVersion
from workflow.kernel.uow import UnitOfWork
from .fleet import Driver
from .model import Trip, TripRequest


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
