"""The payload of each outbox topic as one small frozen dataclass, for emitters and recipient planning alike.

A payload's JSON is the dataclass's fields by name ("from" is spelled `from_`), an optional field
left unset omitted, so stored events keep the shape they had before the dataclasses and still plan.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar


class UnknownTopic(ValueError):
    """An event whose topic no payload class declares: a typo in an emitter, caught in tests."""


class _Unset:
    """An optional field not given: left out of the JSON (stored events never had it)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


_KEYS: dict[type, dict[str, str]] = {}


def _keys(cls: type) -> dict[str, str]:
    """{JSON key: attribute} of a payload class, read once per class (every event is built and read)."""
    found = _KEYS.get(cls)
    if found is None:
        found = _KEYS[cls] = {f.name.rstrip("_"): f.name for f in dataclasses.fields(cls)}
    return found


@dataclass(frozen=True)
class Payload:
    topics: ClassVar[tuple[str, ...]] = ()

    def to_json(self) -> dict:
        return {key: value for key, name in _keys(type(self)).items() if (value := getattr(self, name)) is not UNSET}

    @classmethod
    def from_json(cls, payload: dict):
        """The typed payload of a stored event; keys it does not declare are ignored."""
        names = _keys(cls)
        return cls(**{names[k]: v for k, v in payload.items() if k in names})

    def get(self, name: str, default=None):
        value = getattr(self, name, UNSET)
        return default if value is UNSET else value


@dataclass(frozen=True)
class RequestMoved(Payload):
    """A supply request changed state."""

    topics = ("request.submitted", "request.advanced", "request.approved", "request.returned",
              "request.rejected", "request.cancelled")
    number: str
    requester_id: int
    department_id: int
    actor_id: int
    from_: str
    to: str
    comment: str = ""


@dataclass(frozen=True)
class TripRequestMoved(Payload):
    """A trip request changed state."""

    topics = ("trip.requested", "trip.advanced", "trip.approved", "trip.returned", "trip.rejected",
              "trip.cancelled")
    number: str
    requester_id: int
    department_id: int
    actor_id: int
    to: str
    comment: str = ""
    from_: str = UNSET  # since the approval kernel (one move for every flow); older events lack it


@dataclass(frozen=True)
class TaskDue(Payload):
    """An item waits for an approver at `level`: newly, escalated, or overdue."""

    topics = ("task.assigned", "task.overdue")
    number: str
    requester_id: int
    department_id: int
    level: str
    version: int = UNSET
    actor_id: int = UNSET
    from_: str = UNSET
    to: str = UNSET
    comment: str = UNSET
    escalated: bool = UNSET


@dataclass(frozen=True)
class TripDispatched(Payload):
    topics = ("trip.dispatched",)
    requests: list[int]
    vehicle: str
    number: str
    driver_user_id: int
    requester_ids: list[int]
    actor_id: int


@dataclass(frozen=True)
class FuelAnomaly(Payload):
    topics = ("trip.fuel_anomaly",)
    vehicle: str
    per_100km: str
    number: str
    norm: str
    requests: list[int]
    actor_id: int


@dataclass(frozen=True)
class TripClosed(Payload):
    topics = ("trip.closed",)
    distance_km: str
    actor_id: int


@dataclass(frozen=True)
class OrderPlaced(Payload):
    topics = ("order.placed",)
    number: str
    supplier: str
    request_ids: list[int]
    actor_id: int


@dataclass(frozen=True)
class OrderReceived(Payload):
    topics = ("order.received",)
    number: str
    status: str
    request_ids: list[int]
    actor_id: int


@dataclass(frozen=True)
class MonthlyDigest(Payload):
    topics = ("report.monthly_digest",)
    period: str
    spend: str
    spend_change_pct: str
    vehicle_cost: str
    avoided_trips: int
    co2_kg_saved: str


PAYLOADS: dict[str, type[Payload]] = {topic: cls for cls in (
    RequestMoved, TripRequestMoved, TaskDue, TripDispatched, FuelAnomaly, TripClosed, OrderPlaced, OrderReceived,
    MonthlyDigest) for topic in cls.topics}


def payload_class(topic: str) -> type[Payload]:
    try:
        return PAYLOADS[topic]
    except KeyError:
        raise UnknownTopic(f"no payload class declares the topic {topic!r}") from None


def build(topic: str, fields: dict) -> Payload:
    """The typed payload of a new event; an unknown topic or a missing or unknown field raises."""
    cls = payload_class(topic)
    names = _keys(cls)
    unknown = set(fields) - set(names)
    if unknown:
        raise TypeError(f"{topic} has no field {', '.join(sorted(unknown))}")
    return cls(**{names[k]: v for k, v in fields.items()})


def read(topic: str, payload: dict) -> Payload:
    """The typed payload of a stored event, for planning who hears of it."""
    return payload_class(topic).from_json(payload)
