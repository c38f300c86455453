"""Trip requests, dispatched trips with their bookings, avoided trips, and the dispatch state machine."""
from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, Numeric, String, Text, literal, select
from sqlalchemy.orm import Mapped, mapped_column

from workflow.approvals.columns import behalf_column, none_of
from workflow.kernel.db import Base, Money, UTCDateTime, utcnow
from workflow.kernel.machines import build, condition
from workflow.people.accounts import Department, User
from .fleet import Energy, Km

TRIP_STATES = ["new", "requested", "office_review", "sent_back", "approved", "dispatched", "on_trip",
               "returned", "closed", "rejected", "cancelled"]
REVIEW_STATES = ("requested", "office_review")
Distance = Numeric(7, 2, asdecimal=True)

# `new` exists only for the moment a request is filed: `submit` leaves it at once.
TRIP_MACHINE = build(TRIP_STATES, [
    {"trigger": "submit", "source": "new", "dest": "office_review", "conditions": condition("skip_dept")},
    {"trigger": "submit", "source": "new", "dest": "requested"},
    {"trigger": "resubmit", "source": "sent_back", "dest": "office_review", "conditions": condition("skip_dept")},
    {"trigger": "resubmit", "source": "sent_back", "dest": "requested"},
    {"trigger": "approve", "source": "requested", "dest": "office_review", "conditions": condition("needs_office")},
    {"trigger": "approve", "source": "requested", "dest": "approved"},
    {"trigger": "approve", "source": "office_review", "dest": "approved"},
    {"trigger": "return", "source": list(REVIEW_STATES), "dest": "sent_back"},
    {"trigger": "reject", "source": list(REVIEW_STATES), "dest": "rejected"},
    {"trigger": "cancel", "source": ["requested", "office_review", "sent_back", "approved", "dispatched"],
     "dest": "cancelled"},
    {"trigger": "escalate", "source": "requested", "dest": "office_review"},  # overdue: up to logistics
    {"trigger": "dispatch", "source": "approved", "dest": "dispatched"},
    {"trigger": "depart", "source": "dispatched", "dest": "on_trip"},
    {"trigger": "arrive", "source": "on_trip", "dest": "returned"},
    {"trigger": "close", "source": "returned", "dest": "closed"},
], initial="new")


class CommonDestination(Base):
    """A place staff often go, with its one-way distance from the office (kept by an administrator)."""

    __tablename__ = "common_destinations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200), default="")
    distance_km: Mapped[Decimal] = mapped_column(Distance)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (CheckConstraint("distance_km > 0", name="distance_positive"),)


class Trip(Base):
    """One journey of one vehicle and one driver, serving one or more requests (carpooling).

    `starts_at`..`ends_at` is the booking, buffer included. On PostgreSQL two exclusion
    constraints (migration 0002) make overlapping active bookings of a vehicle or a driver impossible.
    """

    __tablename__ = "trips"
    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"))
    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id"))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="dispatched")
    depart_odometer_km: Mapped[Decimal | None] = mapped_column(Km)
    arrive_odometer_km: Mapped[Decimal | None] = mapped_column(Km)
    departed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    arrived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    energy_used: Mapped[Decimal | None] = mapped_column(Energy)  # litres, or kWh
    fuel_cost: Mapped[Decimal | None] = mapped_column(Money)
    tolls: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    parking: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    per_100km: Mapped[Decimal | None] = mapped_column(Energy)
    fuel_anomaly: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    close_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="period_forward"),
        Index("ix_trips_vehicle_period", "vehicle_id", "starts_at"),
        Index("ix_trips_driver_period", "driver_id", "starts_at"),
        Index("ix_trips_arrived_at", "arrived_at"),  # the vehicle reports select by arrival
    )

    @property
    def distance_km(self) -> Decimal | None:
        if self.arrive_odometer_km is None or self.depart_odometer_km is None:
            return None
        return self.arrive_odometer_km - self.depart_odometer_km


class TripRequest(Base):
    __tablename__ = "trip_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    purpose_category: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(500))
    origin: Mapped[str] = mapped_column(String(200))
    destination: Mapped[str] = mapped_column(String(200))
    destination_id: Mapped[int | None] = mapped_column(ForeignKey("common_destinations.id"))
    distance_km: Mapped[Decimal] = mapped_column(Distance)
    passengers: Mapped[int] = mapped_column(Integer)
    cargo: Mapped[str] = mapped_column(String(500), default="")
    depart_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    return_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    exemption: Mapped[str | None] = mapped_column(String(32))
    exemption_note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="new")
    version: Mapped[int] = mapped_column(Integer)
    needs_office_review: Mapped[bool] = mapped_column(Boolean, default=False)
    policy_version: Mapped[str | None] = mapped_column(String(32))
    findings: Mapped[list] = mapped_column(default=list)
    trip_id: Mapped[int | None] = mapped_column(ForeignKey("trips.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        Index("ix_trip_requests_queue", "status", "department_id", "status_changed_at", "id"),
        Index("ix_trip_requests_status_waiting", "status", "status_changed_at", "id"),  # the fleet's queue (0008)
        CheckConstraint("distance_km > 0", name="distance_positive"),
        CheckConstraint("passengers > 0", name="passengers_positive"),
        CheckConstraint("return_at > depart_at", name="period_forward"),
    )


class AvoidedTrip(Base):
    """A trip request refused by VU-135: the car trip that did not happen, for the reports.

    One row per requester, destination and day of the trip (its departure, in the office's zone),
    however often the same short trip is sent again: the unique key keeps the count honest, and the
    writer inserts with ON CONFLICT DO NOTHING. The destination is compared by `destination_key`
    (`destination_key()` below), so spacing, case or full-width letters make no second trip.
    """

    __tablename__ = "avoided_trips"
    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    purpose_category: Mapped[str] = mapped_column(String(32))
    destination: Mapped[str] = mapped_column(String(200))
    distance_km: Mapped[Decimal] = mapped_column(Distance)
    suggested_mode: Mapped[str] = mapped_column(String(32))
    policy_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    destination_key: Mapped[str] = mapped_column(String(200))
    trip_day: Mapped[dt.date]
    __table_args__ = (Index("ix_avoided_trips_created", "created_at"),
                      Index("uq_avoided_trips_once", "requester_id", "destination_key", "trip_day", unique=True))


def destination_key(destination: str) -> str:
    """A destination as the avoided-trip count compares it: NFKC, whitespace collapsed, case folded."""
    return " ".join(unicodedata.normalize("NFKC", destination).split()).casefold()[:200]


def queue_item(where, kind: str, behalf: str | None, waiting=None):
    """Trip requests matching `where` as the work queue's items of `kind` (the columns of approvals/columns.py)."""
    t = TripRequest
    return (select(literal(kind).label("kind"), behalf_column(behalf), t.id.label("id"), t.number.label("number"),
                   t.status.label("status"), t.purpose.label("title"), none_of(Numeric(14, 2)).label("amount"),
                   t.version.label("version"), User.username.label("requester"), Department.code.label("department"),
                   t.destination.label("destination"), t.depart_at.label("depart_at"),
                   t.distance_km.label("distance_km"), none_of(String).label("supplier"), t.id.label("request_id"),
                   (waiting if waiting is not None else t.status_changed_at).label("waiting_since"))
            .join(User, User.id == t.requester_id).join(Department, Department.id == t.department_id).where(where))
