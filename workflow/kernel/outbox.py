"""The transactional outbox: domain events stored with the change that raised them."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from types import SimpleNamespace

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .append_only import append
from .db import Base, UTCDateTime, utcnow
from .events import Payload, UnknownTopic, build


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    topic: Mapped[str] = mapped_column(String(64))
    aggregate_type: Mapped[str] = mapped_column(String(32))
    aggregate_id: Mapped[int]
    payload: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set when the event was turned into notifications: a published but unplanned event (its
    # task lost by the broker) is planned again by the sweep.
    planned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The relay (issue 4) scans unpublished rows oldest first.
    __table_args__ = (Index("ix_outbox_unpublished", "published_at", "id"),)


def emit(session, topic: str, aggregate_type: str, aggregate_id: int, payload: Payload | None = None,
         **fields) -> "EmittedEvent":
    """Write a domain event in the session's transaction: the relay sees it only once that commits.

    The payload is the topic's dataclass (workflow/kernel/events.py), given or built from `fields`: an
    unknown topic or a missing field fails here, in the emitter's tests, not in planning.
    """
    row = _row(topic, aggregate_type, aggregate_id, _typed(topic, payload, fields))
    event_id = append(session, OutboxEvent, [row])
    session.info["outbox"] = True  # the unit of work tells the relay after the commit
    return EmittedEvent(id=event_id, **row)


def emit_all(session, aggregate_type: str, aggregate_id: int, events: Sequence[tuple[str, Payload | dict]]) -> None:
    """Several events (topic, payload) of one item in one INSERT, for callers that need no ids back."""
    if not events:
        return
    append(session, OutboxEvent, [_row(topic, aggregate_type, aggregate_id,
                                       _typed(topic, p if isinstance(p, Payload) else None,
                                              p if isinstance(p, dict) else {}))
                                  for topic, p in events])
    session.info["outbox"] = True


def _typed(topic: str, payload: Payload | None, fields: dict) -> dict:
    if payload is None:
        payload = build(topic, fields)
    elif fields or topic not in payload.topics:
        raise UnknownTopic(f"{type(payload).__name__} is not the payload of {topic!r}")
    return payload.to_json()


def _row(topic: str, aggregate_type: str, aggregate_id: int, payload: dict) -> dict:
    return {"event_id": str(uuid.uuid4()), "topic": topic, "aggregate_type": aggregate_type,
            "aggregate_id": aggregate_id, "payload": payload, "created_at": utcnow()}


class EmittedEvent(SimpleNamespace):
    """An event as `emit` wrote it: the columns of its new row."""

