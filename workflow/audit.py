"""The append-only audit trail: one event per transition, written in the same transaction."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from .access import Actor
from .db import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    policy_version: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id", "id"),)


def record(session, entity_type: str, entity_id: int, action: str, actor: Actor, *, from_state=None,
           to_state=None, comment=None, policy_version=None, data=None) -> AuditEvent:
    """Add an audit event to the session; it commits, or rolls back, with the change it describes."""
    event = AuditEvent(entity_type=entity_type, entity_id=entity_id, action=action, from_state=from_state,
                       to_state=to_state, actor_id=actor.id, on_behalf_of_id=actor.on_behalf_of_id,
                       comment=comment, policy_version=policy_version, data=data or {}, created_at=utcnow())
    session.add(event)
    return event


def history(session, entity_type: str, entity_id: int) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id).order_by(AuditEvent.id)))


def history_view(session, entity_type: str, entity_id: int) -> list[dict]:
    """The item's audit trail, oldest first, with the people named."""
    from .people import User

    events = history(session, entity_type, entity_id)
    ids = {e.actor_id for e in events} | {e.on_behalf_of_id for e in events if e.on_behalf_of_id}
    names = dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all()) if ids else {}
    return [{"id": e.id, "action": e.action, "from_state": e.from_state, "to_state": e.to_state,
             "actor": names.get(e.actor_id), "on_behalf_of": names.get(e.on_behalf_of_id),
             "comment": e.comment, "policy_version": e.policy_version, "data": e.data,
             "created_at": e.created_at} for e in events]
