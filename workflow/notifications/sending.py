"""Planning events and sending messages in batches: a few statements per batch, not per message.

`plan_events` turns a batch of outbox events into inbox rows and pending messages in one
transaction (people looked up once per batch, rows written with INSERT ... ON CONFLICT DO
NOTHING, so planning again never doubles a row). `send_messages` sends a batch and marks each
message sent the moment its transport returned, in its own autocommitted UPDATE: a worker killed
mid-batch can resend at most the one message it was sending, as when messages went one per task.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from workflow.kernel.db import utcnow
from workflow.kernel.texts import language as catalog_language
from workflow.people.accounts import Department, User
from .notice_text import TITLES, compose
from .notices import MAX_ATTEMPTS, _action_lines, _department, _link, recipients, relay


def plan_events(outbox_ids: list[int], uow, base_url: str, channels=("email", "webhook"),
                secret: str | None = None) -> list[tuple[int, str]]:
    """Inbox rows and pending messages for a batch of events; (id, channel) of their messages still to send.

    Safe to run twice or at once for the same events: existing rows are kept, never doubled.
    """
    with uow:
        events = uow.outbox.events(outbox_ids)
        if not events:
            return []
        due = [e for e in events if e.topic in TITLES]
        cache: dict = {}
        people = {e.id: recipients(uow, e, cache) for e in due}
        everyone = sorted(set().union(*people.values())) if people else []
        users = {u.id: u for u in uow.reads.scalars(select(User).where(User.id.in_(everyone)))} if everyone else {}
        prefs = uow.preferences.of(everyone) if everyone else {}
        dept_ids = sorted({e.payload["department_id"] for e in due if "department_id" in e.payload})
        departments = {d.id: d for d in uow.reads.scalars(select(Department).where(Department.id.in_(dept_ids)))} \
            if dept_ids else {}
        hooks = uow.department_webhooks.urls_of(dept_ids) if dept_ids and "webhook" in channels else {}
        now = utcnow()
        inbox_rows: list[dict] = []
        message_rows: list[dict] = []
        for event in due:
            _rows_for(event, people[event.id], users, prefs, departments.get(event.payload.get("department_id")),
                      hooks, base_url, channels, secret, now, inbox_rows, message_rows)
        if inbox_rows:
            uow.inbox.add_new(inbox_rows)
        if message_rows:
            uow.messages.add_new(message_rows)
        uow.outbox.mark_planned([e.id for e in events], now)
        # Read after the inserts: also the messages a first, interrupted run of this batch left pending.
        pending = uow.messages.pending_of([e.event_id for e in due]) if due else []
        uow.commit()
        return [(r.id, r.channel) for r in pending]


def _rows_for(event, people, users, prefs, dep, hooks, base_url, channels, secret, now, inbox_rows, message_rows):
    """Append one event's inbox rows and messages (as INSERT parameters) to the batch's lists."""
    link = _link(base_url, event)
    values = dict(event.payload)
    for uid in people:
        user = users[uid]
        lang = catalog_language(user.language)
        title, body = compose(event.topic, values | _department(dep, lang), lang)
        inbox_rows.append({"user_id": uid, "event_id": event.event_id, "topic": event.topic, "title": title,
                           "body": body, "link": link, "created_at": now, "read_at": None})
        pref = prefs.get(uid)
        wanted = []
        if (pref.email if pref else True) and user.email and "email" in channels:
            wanted.append(("email", user.email))
        if pref and pref.webhook and pref.webhook_url and "webhook" in channels:
            wanted.append(("webhook", pref.webhook_url))
        for channel, address in wanted:
            extra = _action_lines(event, uid, base_url, secret, lang) if channel == "email" else ""
            message_rows.append(_message(event, f"user:{uid}", channel, address, title, body + extra, link, lang, now))
    department_id = event.payload.get("department_id")
    if event.topic in ("task.assigned", "task.overdue") and department_id in hooks:
        title, body = compose(event.topic, values | _department(dep, "zh"), "zh")
        message_rows.append(_message(event, f"department:{department_id}", "webhook", hooks[department_id],
                                     title, body, link, "zh", now))


def _message(event, recipient, channel, address, subject, body, link, language, now) -> dict:
    return {"event_id": event.event_id, "recipient": recipient, "channel": channel, "address": address,
            "subject": subject, "body": body, "link": link, "language": language, "status": "pending",
            "attempts": 0, "last_error": None, "created_at": now, "sent_at": None}


@dataclass
class Sent:
    """What a batch send did: each message's status after it, and the failures worth retrying."""

    statuses: dict[int, str] = field(default_factory=dict)
    errors: list[tuple[int, Exception]] = field(default_factory=list)


def send_messages(message_ids: list[int], uow, transports: dict) -> Sent:
    """Send each pending message of the batch once; a failure is recorded on that message alone.

    While a message is being sent its advisory lock is held (PostgreSQL), so two workers never send
    it at once; the lock outlives the per-message commits and is dropped with the connection if the
    worker dies. A message another worker is sending is left to it ("pending" in the result). After
    MAX_ATTEMPTS failures a message is marked failed for an administrator to see and retry.
    """
    result = Sent()
    with uow:
        with uow.messages.sending(message_ids) as rows:
            for row in rows:
                result.statuses[row.id] = _send_one(uow.messages, row, transports, result.errors)
        rest = [i for i in message_ids if i not in result.statuses]
        if rest:
            found = uow.messages.statuses(rest)
            result.statuses.update({i: found.get(i, "missing") for i in rest})
    return result


def _send_one(messages, row, transports: dict, errors: list) -> str:
    transport = transports.get(row.channel)
    try:
        if transport is None:
            raise RuntimeError(f"no transport for {row.channel} is configured")
        transport(row)
    except Exception as exc:  # noqa: BLE001 - any failure of the far side counts
        status = "failed" if row.attempts + 1 >= MAX_ATTEMPTS else "pending"
        messages.attempt_failed(row, status, f"{type(exc).__name__}: {exc}"[:2000])
        if status == "pending":
            errors.append((row.id, exc))
        return status
    messages.sent(row)
    return "sent"


def plan(outbox_id: int, uow, base_url: str, channels=("email", "webhook"), secret: str | None = None) -> list[int]:
    """Inbox rows and pending messages for one event; returns the ids of messages still to send.

    Safe to run twice: rows that exist are kept, never doubled (see plan_events).
    """
    return [message_id for message_id, _ in plan_events([outbox_id], uow, base_url, channels, secret)]


def send(message_id: int, uow, transports: dict) -> str:
    """Send one message unless it was sent already; returns its status.

    A failure is recorded and raised again (the caller retries with backoff); after MAX_ATTEMPTS
    the message is marked failed for an administrator to see and retry (see send_messages).
    """
    done = send_messages([message_id], uow, transports)
    if done.errors:
        raise done.errors[0][1]
    return done.statuses[message_id]


def drain(new_uow, base_url: str, transports: dict, log=None, secret: str | None = None,
          send_later=None) -> int:
    """Relay, plan and send in this process: the embedded default, where there is no broker.

    The same steps as the Celery tasks, run one after the other; a message that fails stays
    pending (or failed) for `flask relay-outbox` or an administrator to retry. With `send_later`
    the messages planned are handed to it (a background thread) instead of sent here.
    """
    ids: list[int] = []
    relay(new_uow, ids.extend)
    if ids:
        due = [message_id for message_id, _ in plan_events(ids, new_uow(), base_url, tuple(transports), secret)]
        if due and send_later is not None:
            send_later(due)
        elif due:
            done = send_messages(due, new_uow(), transports)
            for message_id, exc in done.errors:
                if log:
                    log.warning("message %s not sent: %s", message_id, exc)
    return len(ids)
