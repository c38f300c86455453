"""The append-only audit trail: one event per transition, written in the same transaction.

Each event carries a SHA-256 over its own content and the hash of the previous event of the
same item, so a row changed or removed behind the application's back breaks the chain, which
`flask --app wsgi audit-verify` reports. On PostgreSQL a trigger refuses UPDATE and DELETE.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from types import SimpleNamespace

from sqlalchemy import ForeignKey, Index, String, Text, bindparam, func, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, Session, mapped_column

from .access import Actor
from .append_only import append
from .db import Base, UTCDateTime, connection, utcnow


# Called with each committed AuditEvent (metrics count transitions); filled by the entrypoints.
AFTER_COMMIT: list = []


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
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id", "id"),)


def digest(e, prev_hash: str | None) -> str:
    """The event's hash: its content and its predecessor's hash (times as UTC microseconds)."""
    parts = [prev_hash or "", e.entity_type, str(e.entity_id), e.action, e.from_state or "", e.to_state or "",
             str(e.actor_id), str(e.on_behalf_of_id or ""), e.comment or "", e.policy_version or "",
             json.dumps(e.data or {}, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
             e.created_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def record(session, entity_type: str, entity_id: int, action: str, actor: Actor, *, from_state=None,
           to_state=None, comment=None, policy_version=None, data=None, first: bool = False) -> "RecordedEvent":
    """Write an audit event in the session's transaction; it commits, or rolls back, with the change it describes.

    `first=True` for the event of an item created in this transaction: its chain is empty.
    """
    event = RecordedEvent(entity_type=entity_type, entity_id=entity_id, action=action, from_state=from_state,
                          to_state=to_state, actor_id=actor.id, on_behalf_of_id=actor.on_behalf_of_id,
                          comment=comment, policy_version=policy_version, data=data or {}, created_at=utcnow())
    # The item's row is locked by the caller, so no one else appends to this chain meanwhile.
    event.prev_hash = None if first else _tail(session, entity_type, entity_id)
    event.hash = digest(event, event.prev_hash)
    # Written now, not at the commit: the next event's tail query sees it.
    event.id = append(session, AuditEvent, [vars(event).copy()])
    if AFTER_COMMIT:
        session.info.setdefault("audited", []).append(event)
    return event


class RecordedEvent(SimpleNamespace):
    """An event as `record` wrote it: the columns of its row, for the caller and the listeners."""


_COLUMNS = AuditEvent.__table__.c
_TAIL = (select(_COLUMNS.hash).where(_COLUMNS.entity_type == bindparam("t"), _COLUMNS.entity_id == bindparam("i"))
         .order_by(_COLUMNS.id.desc()).limit(1))


def _tail(session, entity_type: str, entity_id: int) -> str | None:
    """The hash of the item's latest event, saved or still pending in this session."""
    if any(isinstance(o, AuditEvent) and o.entity_type == entity_type and o.entity_id == entity_id
           for o in session.new):
        session.flush()  # an event added as an object (not through `record`) goes first, so that it is the tail
    # Other unsaved changes cannot move this chain's tail: they are flushed once, at the commit.
    return connection(session).execute(_TAIL, {"t": entity_type, "i": entity_id}).scalar()


@sa_event.listens_for(Session, "after_commit")
def _announce(session) -> None:
    # After the commit, so a rolled-back change is never counted; a listener's failure must not
    # make a committed change look failed to its caller.
    for audited in session.info.pop("audited", ()):
        for listener in AFTER_COMMIT:
            try:
                listener(audited)
            except Exception:
                logging.getLogger("jieyue.audit").exception("audit listener failed")


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget(session, _previous) -> None:
    session.info.pop("audited", None)


def verify(session) -> list[dict]:
    """Every break in the chains: an event whose hash or link does not match. Empty when intact."""
    problems: list[dict] = []
    last: dict[tuple[str, int], str] = {}
    stmt = select(AuditEvent).order_by(AuditEvent.entity_type, AuditEvent.entity_id, AuditEvent.id)
    for e in session.scalars(stmt.execution_options(yield_per=1000)):
        key = (e.entity_type, e.entity_id)
        expected_prev = last.get(key)
        if e.prev_hash != expected_prev:
            problems.append({"id": e.id, "item": f"{key[0]}/{key[1]}", "problem": "link to the previous event broken"})
        elif e.hash != digest(e, e.prev_hash):
            problems.append({"id": e.id, "item": f"{key[0]}/{key[1]}", "problem": "content changed"})
        last[key] = e.hash
    return problems


def history(session, entity_type: str, entity_id: int) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id).order_by(AuditEvent.id)))


class AuditTrail:
    """The audit events as services read them (`uow.audit_trail`); they are written by `uow.record` only."""

    def __init__(self, uow):
        self._uow = uow

    def of(self, entity_type: str, entity_id: int) -> list[AuditEvent]:
        """One item's events, oldest first."""
        return history(self._uow.session, entity_type, entity_id)

    def count(self) -> int:
        return self._uow.session.scalar(select(func.count()).select_from(AuditEvent))

    def breaks(self) -> list[dict]:
        """Every break in the chains (`verify`); empty when intact."""
        return verify(self._uow.session)
