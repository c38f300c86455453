"""The stores of notifications: outgoing messages, the inbox, preferences, department webhooks and the outbox's marks.

`uow.messages` (e-mail and webhook messages: planned, sent, failed and retried), `uow.inbox`
(a person's in-app notifications), `uow.preferences` (how a person wants to hear),
`uow.department_webhooks` (a department's chat robot) and `uow.outbox` (the relay's and the
planner's marks on outbox events; the events themselves are written by `uow.emit`).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, select, text, update

from workflow.kernel.db import utcnow
from workflow.kernel.outbox import OutboxEvent
from workflow.kernel.store import MappedStore
from workflow.kernel.uow import UnitOfWork
from .notices import DepartmentWebhook, Message, Notification, Preference

# First key of the PostgreSQL advisory locks that mark a message as being sent (the second is its id).
SENDING_LOCK = 0x6A79  # "jy"


class _NewRows(MappedStore):
    """Rows planned from events, written once per key however often they are planned."""

    def add_new(self, rows: list[dict]) -> None:
        """Insert the rows (INSERT parameters) that are not there yet; existing ones are kept.

        Planning the same event twice, or at once in two workers, leaves one row per key: the
        unique constraints decide, not a read before the write.
        """
        self._session.execute(self._insert().on_conflict_do_nothing(), rows)


@UnitOfWork.store("messages")
class MessageStore(_NewRows):
    """E-mail and webhook messages: planned pending, sent once, failed after too many attempts."""

    model = Message

    # While a batch is being sent (`sending`): how its statements run, and what follows each write.
    _run: Callable[..., Any]
    _settle: Callable[[], None]

    def failed(self) -> list[Message]:
        """The failed messages, oldest first (for an administrator to see)."""
        return self._all(select(Message).where(Message.status == "failed").order_by(Message.id))

    def failed_to_requeue(self, ids: list[int] | None = None) -> list[Message]:
        """The failed messages (all, or those named), locked until they are put back in line."""
        stmt = select(Message).where(Message.status == "failed")
        if ids:
            stmt = stmt.where(Message.id.in_(ids))
        return self._all(stmt.with_for_update())

    def pending_ids(self, created_before: dt.datetime) -> list[int]:
        """Messages still to send created before that moment (the sweep's catch-up)."""
        return self._all(select(Message.id).where(Message.status == "pending", Message.created_at <= created_before)
                         .order_by(Message.id))

    def pending_of(self, event_ids: list[str]) -> list:
        """(id, channel) of the events' messages still to send."""
        return self._rows(select(Message.id, Message.channel).where(
            Message.event_id.in_(event_ids), Message.status == "pending").order_by(Message.id))

    # ---- sending: each message held by one sender, each outcome written at once ----

    @contextmanager
    def sending(self, message_ids: list[int]) -> Iterator[Sequence]:
        """The batch's pending messages (table rows), held for this sender until the block ends.

        On PostgreSQL an advisory lock per message is held on one connection throughout, each
        statement its own transaction: the lock outlives the per-message writes and is dropped
        with the connection if the worker dies, and a message another sender holds is left to it.
        On SQLite the engine opens every transaction itself (BEGIN IMMEDIATE), so each step commits.
        """
        session = self._session
        on_postgres = session.get_bind().dialect.name == "postgresql"
        if on_postgres:
            conn = session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            self._run, self._settle = conn.execute, (lambda: None)
        else:
            self._run, self._settle = session.execute, self._uow.commit
        try:
            mine = list(message_ids)
            if on_postgres:
                # Materialized first, so that only this batch's pending messages are ever locked: a lock
                # taken on any other row would keep that row's own sender away from it.
                mine = list(self._run(text(
                    "WITH batch AS MATERIALIZED (SELECT id FROM messages WHERE id = ANY(:ids) AND status = 'pending')"
                    " SELECT id FROM batch WHERE pg_try_advisory_lock(:lock, id)"),
                    {"ids": mine, "lock": SENDING_LOCK}).scalars())
            # Read again once locked: a sender that let go of a message had marked it sent first.
            rows = self._run(select(Message.__table__).where(Message.id.in_(mine), Message.status == "pending")
                             .order_by(Message.id)).all() if mine else []
            self._settle()
            yield rows
        finally:
            if on_postgres:
                _let_go(conn)

    def attempt_failed(self, row, status: str, error: str) -> None:
        """One more failed attempt of a message being sent; `status` pending (to retry) or failed."""
        self._run(update(Message).where(Message.id == row.id).values(
            attempts=row.attempts + 1, status=status, last_error=error))
        self._settle()

    def sent(self, row) -> None:
        self._run(update(Message).where(Message.id == row.id).values(
            attempts=row.attempts + 1, status="sent", sent_at=utcnow()))
        self._settle()

    def statuses(self, ids: list[int]) -> dict[int, str]:
        """id -> status of the messages that exist among `ids` (after `sending`, as it ran its statements)."""
        return dict(self._run(select(Message.id, Message.status).where(Message.id.in_(ids))).all())


def _let_go(conn) -> None:
    """Drop this connection's sending locks; a connection that cannot is discarded (which drops them)."""
    try:
        conn.execute(text("SELECT pg_advisory_unlock_all()"))
    except Exception:
        conn.invalidate()
        raise


@UnitOfWork.store("inbox")
class InboxStore(_NewRows):
    """People's in-app notifications."""

    model = Notification

    def page(self, user_id: int, *, unread: bool = False, before_id: int | None = None,
             limit: int = 50) -> list[Notification]:
        """A person's notifications, newest first, before `before_id` when given."""
        stmt = select(Notification).where(Notification.user_id == user_id)
        if unread:
            stmt = stmt.where(Notification.read_at.is_(None))
        if before_id:
            stmt = stmt.where(Notification.id < before_id)
        return self._all(stmt.order_by(Notification.id.desc()).limit(limit))

    def unread_count(self, user_id: int) -> int:
        return self._one(select(func.count()).select_from(Notification).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)))

    def owner_of(self, notification_id: int) -> int | None:
        return self._one(select(Notification.user_id).where(Notification.id == notification_id))

    def unread(self, user_id: int, notification_id: int | None = None) -> list[Notification]:
        """A person's unread notifications (or the one named), to be marked read."""
        stmt = select(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        if notification_id is not None:
            stmt = stmt.where(Notification.id == notification_id)
        return self._all(stmt)


@UnitOfWork.store("preferences")
class PreferenceStore(MappedStore):
    """How each person wants to hear (a person without a row takes the defaults)."""

    model = Preference

    def of(self, user_ids: list[int]) -> dict[int, Preference]:
        """user id -> preferences, for those of `user_ids` who saved any."""
        return {p.user_id: p for p in self._all(select(Preference).where(Preference.user_id.in_(user_ids)))}


@UnitOfWork.store("department_webhooks")
class DepartmentWebhookStore(MappedStore):
    """Departments' chat-robot webhooks (keyed by the department's id)."""

    model = DepartmentWebhook

    def urls_of(self, department_ids: list[int]) -> dict[int, str]:
        return {h.department_id: h.url for h in self._all(select(DepartmentWebhook).where(
            DepartmentWebhook.department_id.in_(department_ids)))}


@UnitOfWork.store("outbox")
class OutboxStore(MappedStore):
    """The outbox events' marks: published by the relay, planned into notifications.

    The events are written by `uow.emit` (workflow/kernel/outbox.py), in the transaction of the
    change that raised them; this store claims, reads and marks them.
    """

    model = OutboxEvent

    def claim_unpublished(self, batch: int) -> list[int]:
        """Up to `batch` unpublished events, oldest first, locked (SKIP LOCKED: relays at once take disjoint rows)."""
        return self._all(select(OutboxEvent.id).where(OutboxEvent.published_at.is_(None))
                         .order_by(OutboxEvent.id).limit(batch).with_for_update(skip_locked=True))

    def mark_published(self, ids: list[int]) -> None:
        self._session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(ids)).values(published_at=utcnow()))

    def unpublished_count(self) -> int:
        return self._one(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None)))

    def events(self, ids: list[int]) -> list[OutboxEvent]:
        """The events with these ids, in the order they were raised."""
        return self._all(select(OutboxEvent).where(OutboxEvent.id.in_(ids)).order_by(OutboxEvent.id))

    def mark_planned(self, ids: list[int], at: dt.datetime) -> None:
        """Planned now, unless planned already (by a first, interrupted run)."""
        self._session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(ids), OutboxEvent.planned_at.is_(None))
                              .values(planned_at=at))

    def unplanned(self, published_before: dt.datetime) -> list[int]:
        """Events handed to the broker before that moment but never planned (their task was lost)."""
        return self._all(select(OutboxEvent.id).where(
            OutboxEvent.published_at.is_not(None), OutboxEvent.planned_at.is_(None),
            OutboxEvent.published_at <= published_before).order_by(OutboxEvent.id).limit(1000))
