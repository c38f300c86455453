"""Notifications: the outbox relay, who hears of each event, the in-app inbox and outgoing messages.

Each event is planned once into inbox rows and outgoing messages, keyed by (event, recipient,
channel) so that running a step again never notifies twice; sending skips messages already sent.
Planning and sending run in batches (workflow/notifications/sending.py, with `plan` and `send` as one-item forms and
`drain` for the embedded default), which builds on this module: this module never imports it.
The records are read and written through the stores of workflow/notifications/store.py
(`uow.messages`, `uow.inbox`, `uow.preferences`, `uow.department_webhooks`, `uow.outbox`).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from workflow.kernel import events
from workflow.kernel.access import Actor
from workflow.kernel.db import Base, UTCDateTime, utcnow
from workflow.kernel.errors import Forbidden, NotFound, UnsafeWebhookUrl
from workflow.kernel.outbox import OutboxEvent
from workflow.kernel.texts import N_, text
from workflow.people.accounts import Department, User
from workflow.worklist.registry import FLOWS
from .safe_urls import Resolver, UnsafeUrl, check_url

# The states where a department head decides, in every flow: who hears of a task at that level.
FIRST_LEVELS = frozenset(flow.first_level for flow in FLOWS.values())

MAX_ATTEMPTS = 8


class Notification(Base):
    """One line in a person's in-app inbox."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    event_id: Mapped[str] = mapped_column(String(36))
    topic: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (UniqueConstraint("event_id", "user_id", name="uq_notifications_event_user"),
                      Index("ix_notifications_inbox", "user_id", "id"))


class Message(Base):
    """An e-mail or webhook message for one recipient ("user:12", "department:3") about one event."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    recipient: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(16))  # email, webhook
    address: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (UniqueConstraint("event_id", "recipient", "channel", name="uq_messages_event_recipient_channel"),
                      Index("ix_messages_status", "status", "id"))


class Preference(Base):
    """How a person wants to hear: the inbox always; e-mail and a chat webhook by choice."""

    __tablename__ = "notification_preferences"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean, default=True)
    webhook: Mapped[bool] = mapped_column(Boolean, default=False)
    webhook_url: Mapped[str | None] = mapped_column(String(500))


class DepartmentWebhook(Base):
    """A department's chat-robot webhook: approval tasks of the department are posted there too."""

    __tablename__ = "department_webhooks"
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    url: Mapped[str] = mapped_column(String(500))


# ---- the relay -----------------------------------------------------------------------------

def relay(new_uow, publish_ids, *, batch: int = 200) -> int:
    """The outbox relay: every unpublished event to `publish_ids(ids)`, a batch at a time; returns how many.

    The one relay of every deployment: beat's task and `python -m tasks.relay` publish to the broker,
    `flask relay-outbox` to the broker or in-process, and the embedded default (delivery.drain)
    collects the ids to plan them here. `new_uow()` opens each batch's own transaction.
    """
    total = 0
    while True:
        moved = relay_batch(new_uow(), publish_ids, batch=batch)
        total += moved
        if moved < batch:
            return total


def relay_batch(uow, publish_ids, *, batch: int = 100) -> int:
    """Hand up to `batch` unpublished outbox events to `publish_ids(ids)`, oldest first; returns how many.

    Rows are claimed with FOR UPDATE SKIP LOCKED, so relays running at once take disjoint rows;
    they are marked published in the same transaction as their claim, after `publish_ids` returned.
    If publishing fails (the broker is down) the transaction rolls back and the rows wait.
    """
    with uow:
        ids = uow.outbox.claim_unpublished(batch)
        if ids:
            publish_ids(ids)
            uow.outbox.mark_published(ids)
            uow.commit()
        return len(ids)


def unpublished_count(uow) -> int:
    with uow:
        return uow.outbox.unpublished_count()


# ---- planning ------------------------------------------------------------------------------

def _users_with_role(uow, role: str, department_id: int | None = None, cache: dict | None = None) -> list[int]:
    if cache is not None:
        key = ("role", role, department_id)
        if key not in cache:
            cache[key] = _users_with_role(uow, role, department_id)
        return cache[key]
    stmt = select(User.id).where(User.role == role, User.active.is_(True))
    if department_id is not None:
        stmt = stmt.where(User.department_id == department_id)
    return list(uow.reads.scalars(stmt))


def _delegates(uow, people: list[int], cache: dict | None) -> list[int]:
    if cache is None:
        return uow.delegations.active_delegates(people)
    key = ("delegates", tuple(people))
    if key not in cache:
        cache[key] = uow.delegations.active_delegates(people)
    return cache[key]


def recipients(uow, event: OutboxEvent, cache: dict | None = None) -> list[int]:
    """The people an event concerns (never the person who caused it).

    `cache`, shared by the events of one planning batch, answers each role and delegation
    question once per batch rather than once per event.
    """
    topic = event.topic
    if topic not in events.PAYLOADS:
        return []  # a topic nobody is told of (a test's own, or one since retired)
    p = events.read(topic, event.payload)
    if isinstance(p, events.TaskDue):
        if p.level in FIRST_LEVELS:
            people = _users_with_role(uow, "dept_head", p.department_id, cache)
        else:
            people = _users_with_role(uow, "logistics", cache=cache)
        people = [u for u in people if u != p.requester_id]
        people += _delegates(uow, people, cache)  # out of office: the colleague hears of it too
    elif topic in ("request.approved", "request.returned", "request.rejected",
                   "trip.approved", "trip.returned", "trip.rejected"):
        assert isinstance(p, (events.RequestMoved, events.TripRequestMoved))
        people = [p.requester_id]
    elif isinstance(p, (events.OrderPlaced, events.OrderReceived)):
        from workflow.procurement.model import SupplyRequest

        people = list(uow.reads.scalars(select(SupplyRequest.requester_id).where(SupplyRequest.id.in_(p.request_ids))))
    elif isinstance(p, events.TripDispatched):
        people = list(p.requester_ids) + [p.driver_user_id]
    elif isinstance(p, events.FuelAnomaly):
        people = _users_with_role(uow, "fleet", cache=cache)
    elif isinstance(p, events.MonthlyDigest):
        people = _users_with_role(uow, "finance", cache=cache) + _users_with_role(uow, "dept_head", cache=cache)
    else:
        people = []
    actor = p.get("actor_id")
    return sorted({u for u in people if u != actor})


def _link(base_url: str, event: OutboxEvent) -> str:
    if event.aggregate_type == "report":
        return f"{base_url.rstrip('/')}/api/v1/reports/expenditure?period={event.payload.get('period', '')}"
    paths = {name: flow.path for name, flow in FLOWS.items()} | {"purchase_order": "purchase-orders",
                                                                 "trip": FLOWS["trip_request"].path}
    path = paths.get(event.aggregate_type, "")
    item = event.aggregate_id if event.aggregate_type != "trip" else (event.payload.get("requests") or [""])[0]
    return f"{base_url.rstrip('/')}/api/v1/{path}/{item}"


def _department(dep, lang: str) -> dict:
    if dep is None:
        return {}
    return {"department": (dep.name_zh or dep.name) if lang == "zh" else dep.name}


# The actions an approver's e-mail offers as signed links, and their words (message ids).
ACTION_WORDS = {"approve": N_("Approve"), "return": N_("Return"), "reject": N_("Reject")}


def _action_lines(event: OutboxEvent, uid: int, base_url: str, secret: str | None, lang: str) -> str:
    """For an approver's e-mail: signed approve / return / reject links (see action_links)."""
    if not secret or event.topic not in ("task.assigned", "task.overdue") or "version" not in event.payload:
        return ""
    from workflow.approvals import action_links

    lines = []
    for action, word in ACTION_WORDS.items():
        token = action_links.make(secret, kind=event.aggregate_type, item_id=event.aggregate_id,
                                  version=event.payload["version"], user_id=uid, action=action, now=utcnow())
        lines.append(f"{text(word, lang)}: {base_url.rstrip('/')}/act/{token}")
    return "\n" + "\n".join(lines)


# ---- sending -------------------------------------------------------------------------------

def failed_messages(actor: Actor, uow) -> list[dict]:
    if not actor.is_("admin"):
        raise Forbidden("failed deliveries are for administrators")
    with uow:
        return [{"id": m.id, "event_id": m.event_id, "recipient": m.recipient, "channel": m.channel,
                 "address": m.address, "subject": m.subject, "attempts": m.attempts, "last_error": m.last_error,
                 "created_at": m.created_at}
                for m in uow.messages.failed()]


def requeue_failed(uow, message_ids: list[int] | None = None) -> list[int]:
    """Put failed messages back to pending with a fresh count of attempts; returns their ids."""
    with uow:
        rows = uow.messages.failed_to_requeue(message_ids)
        for m in rows:
            m.status, m.attempts = "pending", 0
        uow.commit()
        return [m.id for m in rows]


def retry_failed(actor: Actor, uow, message_ids: list[int] | None = None, send=None) -> list[int]:
    """Put failed messages (all, or those named) back in line; administrators only; returns their ids.

    The one retry, for `POST /failed-messages/retry` and `flask retry-failed`: `send(ids)` sends them
    at once where the caller can; without it the workers' sweep sends them within minutes.
    """
    if not actor.is_("admin"):
        raise Forbidden("failed deliveries are for administrators")
    ids = requeue_failed(uow, message_ids)
    if ids and send is not None:
        send(ids)
    return ids


def unplanned_events(uow, older_than: dt.timedelta) -> list[int]:
    """Events handed to the broker but never planned: their task was lost (a broker restart)."""
    with uow:
        return uow.outbox.unplanned(published_before=utcnow() - older_than)


def pending_messages(uow, older_than: dt.timedelta = dt.timedelta(0)) -> list[int]:
    """Messages still to send that were created before now - older_than (the sweep's catch-up)."""
    with uow:
        return uow.messages.pending_ids(created_before=utcnow() - older_than)


# ---- the inbox and preferences -------------------------------------------------------------

def inbox(actor: Actor, uow, *, unread: bool = False, before_id: int | None = None, limit: int = 50) -> dict:
    with uow:
        rows = uow.inbox.page(actor.id, unread=unread, before_id=before_id, limit=limit)
        unread_count = uow.inbox.unread_count(actor.id)
        return {"unread": unread_count,
                "items": [{"id": n.id, "topic": n.topic, "title": n.title, "body": n.body, "link": n.link,
                           "created_at": n.created_at, "read_at": n.read_at} for n in rows]}


def mark_read(actor: Actor, uow, notification_id: int | None = None) -> int:
    """Mark one notification (or, with no id, all of them) read; returns how many changed."""
    with uow:
        if notification_id is not None and uow.inbox.owner_of(notification_id) != actor.id:
            raise NotFound("no such notification")
        rows = uow.inbox.unread(actor.id, notification_id)
        now = utcnow()
        for n in rows:
            n.read_at = now
        uow.commit()
        return len(rows)


def preferences(actor: Actor, uow) -> dict:
    with uow:
        p = uow.preferences.get(actor.id)
        return {"email": p.email if p else True, "webhook": p.webhook if p else False,
                "webhook_url": p.webhook_url if p else None}


def set_preferences(actor: Actor, changes: dict, uow, allowed_hosts: frozenset[str] = frozenset(),
                    resolve: Resolver | None = None) -> dict:
    """Save the caller's channels; a webhook URL must lead to public addresses (or an allow-listed host)."""
    if changes.get("webhook_url") is not None:
        _refuse_unsafe("webhook_url", changes["webhook_url"], allowed_hosts, resolve)
    with uow:
        p = uow.preferences.get(actor.id)
        new = p is None
        if p is None:
            p = Preference(user_id=actor.id, email=True, webhook=False)
        for name in ("email", "webhook", "webhook_url"):
            if name in changes:
                setattr(p, name, changes[name])
        if p.webhook and not p.webhook_url:
            from workflow.kernel.errors import InvalidInput

            raise InvalidInput("webhook needs a URL", {"webhook_url": ["Required to receive webhook messages."]})
        if new:
            uow.preferences.add(p)
        uow.commit()
    return preferences(actor, uow)


def set_department_webhook(department_id: int, url: str | None, actor: Actor, uow,
                           allowed_hosts: frozenset[str] = frozenset(), resolve: Resolver | None = None) -> dict:
    """An administrator points a department's approval tasks at its chat robot (None removes it)."""
    if not actor.is_("admin"):
        raise Forbidden("department webhooks are set by an administrator")
    if url is not None:
        _refuse_unsafe("url", url, allowed_hosts, resolve)
    with uow:
        if uow.reads.get(Department, department_id) is None:
            raise NotFound("no such department")
        hook = uow.department_webhooks.get(department_id)
        if url is None:
            if hook is not None:
                uow.department_webhooks.remove(hook)
        elif hook is None:
            uow.department_webhooks.add(DepartmentWebhook(department_id=department_id, url=url))
        else:
            hook.url = url
        uow.commit()
        return {"department_id": department_id, "url": url}


def _refuse_unsafe(field_name: str, url: str, allowed_hosts: frozenset[str], resolve: Resolver | None) -> None:
    """Checked before the unit of work opens: a slow DNS answer never holds a database transaction."""
    try:
        check_url(url, allowed_hosts, resolve)
    except UnsafeUrl as exc:
        raise UnsafeWebhookUrl("this webhook URL may not be used", {field_name: [str(exc)]}, security=True) from None
