"""Thin tasks: take ids, open a unit of work, call a workflow service.

Declared with `shared_task`, so importing this module builds no Celery app: the tasks bind to the
app of tasks/celery.py, which the worker, beat and `python -m tasks.relay` load first.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from celery import shared_task
from celery.signals import worker_init, worker_process_init
from sqlalchemy.orm import configure_mappers

from workflow.kernel.settings import Settings
from workflow.notifications import sending, notices
from workflow.notifications.transports import transports_for
from workflow.runtime.process import Runtime

# Events per plan task and messages per send task: a batch costs a few statements and one commit
# whatever its size. A plan task takes a whole relay claim (200): planning is CPU and cheap per event
# (the recipient lookups are shared by the batch), and 50 at a time cost a third more CPU per event in
# B6's flood. Sending is not: each message waits for its own commit (kill-safety), so it is the
# number of processes sending at once, not the batch, that sets the pace; 50 spreads a burst over them.
PLAN_BATCH = 200
SEND_BATCH = 50
RETRY = {"autoretry_for": (Exception,), "retry_backoff": 5, "retry_backoff_max": 600, "retry_jitter": True}


@lru_cache(maxsize=1)
def runtime() -> Runtime:
    """One per worker process, built after the fork (as the process starts, see below), never at import."""
    return Runtime(Settings.from_env())


@lru_cache(maxsize=1)
def transports() -> dict:
    return transports_for(runtime().settings)


@worker_init.connect
def _before_fork(**_) -> None:
    """In the worker's main process, before its pool forks: map the models once for every process.

    Otherwise each pool process configures the mappers at its first query, and the tasks queued
    behind that first one wait for it: on the loaded 2-core B6 machine py-spy found cold pool
    processes spending seconds in their first task's setup.
    """
    configure_mappers()


@worker_process_init.connect
def _after_fork(**_) -> None:
    # Engine, policy file and transports as the pool process starts, not inside its first task.
    # No connection is opened here: Celery gives this hook only a few seconds.
    transports()


def _chunks(ids: list[int], size: int):
    return (ids[i:i + size] for i in range(0, len(ids), size))


def _ids(given: int | list[int]) -> list[int]:
    # A single id is what tasks queued before batching (and `flask relay-outbox`) carry.
    return [given] if isinstance(given, int) else list(given)


@shared_task(name="jieyue.relay_outbox")
def relay_outbox(batch: int = 200) -> int:
    """Move unpublished outbox events to the broker, one plan task per PLAN_BATCH events."""
    return notices.relay(runtime().uow, publish_plans, batch=batch)


def publish_plans(outbox_ids: list[int]) -> None:
    for chunk in _chunks(outbox_ids, PLAN_BATCH):
        plan_event.delay(chunk)


def publish_events(outbox_ids: list[int]) -> None:
    """Hand outbox events to the workers, one plan task per batch: `flask relay-outbox` with a broker.

    Given to the web app by wsgi.py (the app never imports the tasks); the Celery app is built at the
    first call, not when this module is imported.
    """
    from tasks.celery import app  # noqa: F401 - the app the shared tasks are sent through

    publish_plans(outbox_ids)


@shared_task(name="jieyue.plan_event", max_retries=10, **RETRY)
def plan_event(outbox_ids: int | list[int]) -> int:
    """Plan a batch of events; their messages go on in send tasks of up to SEND_BATCH, one channel each."""
    settings = runtime().settings
    due = sending.plan_events(_ids(outbox_ids), runtime().uow(), settings.base_url, tuple(transports()),
                              settings.secret_key)
    by_channel: dict[str, list[int]] = {}
    for message_id, channel in due:
        by_channel.setdefault(channel, []).append(message_id)
    for ids in by_channel.values():
        for chunk in _chunks(ids, SEND_BATCH):
            send_message.delay(chunk)
    return len(due)


@shared_task(name="jieyue.sweep_messages")
def sweep_messages() -> int:
    """Catch up after SWEEP_AFTER_SECONDS: plan events whose task the broker lost, send pending messages.

    Both steps are safe to repeat (planning never doubles a row, sending skips what was sent), so
    a task that was only slow, not lost, costs a second look and no second notification.
    """
    late = dt.timedelta(seconds=runtime().settings.sweep_after_seconds)
    events = notices.unplanned_events(runtime().uow(), late)
    publish_plans(events)
    ids = notices.pending_messages(runtime().uow(), late)
    for chunk in _chunks(ids, SEND_BATCH):
        send_message.delay(chunk)
    return len(events) + len(ids)


@shared_task(name="jieyue.remind_overdue")
def remind_overdue() -> dict:
    """Remind approvers of overdue items and escalate first-level items a period later."""
    from workflow.worklist.reminders import remind_and_escalate

    return remind_and_escalate(runtime().uow())


@shared_task(name="jieyue.compile_reports")
def compile_reports() -> int:
    """Nightly: snapshots of the running month, quarter and year and of the month just closed."""
    from workflow.reporting.reports import compile_nightly

    rt = runtime()
    return len(compile_nightly(rt.uow, rt.uow().today()))


@shared_task(name="jieyue.monthly_digest")
def monthly_digest() -> int | None:
    """On the first of the month: last month's summary to finance and department heads."""
    from workflow.reporting.reports import monthly_digest as digest

    rt = runtime()
    return digest(rt.uow(), rt.uow().today())


@shared_task(name="jieyue.send_message", max_retries=notices.MAX_ATTEMPTS, **RETRY)
def send_message(message_ids: int | list[int]) -> str | dict[str, int]:
    """Send a batch of messages; if any failed, raise so that the batch is retried (sent ones are skipped).

    Returns the one message's status for a single id, else how many of the batch ended in each status.
    """
    done = sending.send_messages(_ids(message_ids), runtime().uow(), transports())
    if done.errors:
        raise done.errors[0][1]
    if isinstance(message_ids, int):
        return done.statuses[message_ids]
    counts: dict[str, int] = {}
    for status in done.statuses.values():
        counts[status] = counts.get(status, 0) + 1
    return counts
