"""Thin tasks: take ids, open a unit of work, call a workflow service."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from tasks.celery import app
from workflow import notifications
from workflow.runtime import Runtime
from workflow.settings import Settings
from workflow.transports import transports_for

RETRY = {"autoretry_for": (Exception,), "retry_backoff": 5, "retry_backoff_max": 600, "retry_jitter": True}


@lru_cache(maxsize=1)
def runtime() -> Runtime:
    """One per worker process, built at its first task (after the fork), never at import."""
    return Runtime(Settings.from_env())


@lru_cache(maxsize=1)
def transports() -> dict:
    return transports_for(runtime().settings)


@app.task(name="jieyue.relay_outbox")
def relay_outbox(batch: int = 200) -> int:
    """Move unpublished outbox events to the broker, one plan task per event."""
    total = 0
    while True:
        moved = notifications.relay(runtime().uow(), lambda outbox_id: plan_event.delay(outbox_id), batch=batch)
        total += moved
        if moved < batch:
            return total


@app.task(name="jieyue.plan_event", max_retries=10, **RETRY)
def plan_event(outbox_id: int) -> int:
    settings = runtime().settings
    ids = notifications.plan(outbox_id, runtime().uow(), settings.base_url, tuple(transports()), settings.secret_key)
    for message_id in ids:
        send_message.delay(message_id)
    return len(ids)


@app.task(name="jieyue.sweep_messages")
def sweep_messages() -> int:
    """Catch up after SWEEP_AFTER_SECONDS: plan events whose task the broker lost, send pending messages.

    Both steps are safe to repeat (planning never doubles a row, sending skips what was sent), so
    a task that was only slow, not lost, costs a second look and no second notification.
    """
    late = dt.timedelta(seconds=runtime().settings.sweep_after_seconds)
    events = notifications.unplanned_events(runtime().uow(), late)
    for outbox_id in events:
        plan_event.delay(outbox_id)
    ids = notifications.pending_messages(runtime().uow(), late)
    for message_id in ids:
        send_message.delay(message_id)
    return len(events) + len(ids)


@app.task(name="jieyue.remind_overdue")
def remind_overdue() -> dict:
    """Remind approvers of overdue items and escalate first-level items a period later."""
    from workflow.reminders import remind_and_escalate

    return remind_and_escalate(runtime().uow())


@app.task(name="jieyue.compile_reports")
def compile_reports() -> int:
    """Nightly: snapshots of the running month, quarter and year and of the month just closed."""
    from workflow.reporting import compile_nightly

    rt = runtime()
    return len(compile_nightly(rt.uow, dt.datetime.now(rt.uow().office_tz).date()))


@app.task(name="jieyue.monthly_digest")
def monthly_digest() -> int | None:
    """On the first of the month: last month's summary to finance and department heads."""
    from workflow.reporting import monthly_digest as digest

    rt = runtime()
    return digest(rt.uow(), dt.datetime.now(rt.uow().office_tz).date())


@app.task(name="jieyue.send_message", max_retries=notifications.MAX_ATTEMPTS, **RETRY)
def send_message(message_id: int) -> str:
    return notifications.send(message_id, runtime().uow(), transports())
