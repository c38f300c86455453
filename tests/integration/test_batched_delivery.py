"""Batched planning and sending on PostgreSQL, and the following relay with a real worker and Redis.

Exactly once still holds with batches: planning a batch again (or twice at once) adds no row,
two senders given the same messages send each once, a failure marks only the failed message,
and `python -m tasks.relay` hands each event to the broker once and within a second.
"""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from tests import support
from tests.integration import servers
from tests.integration.relay_process import FollowingRelay
from tests.integration.test_notifications import (  # noqa: F401 - fixtures shared with the notification tests
    _no_settings_from_the_environment, redis_server, smtp, smtp_factory)
from workflow.kernel.outbox import OutboxEvent, emit
from workflow.kernel.uow import UnitOfWork
from workflow.notifications import sending
from workflow.notifications.notices import Message, Notification
from workflow.people.accounts import User

CHANNELS = ("email", "webhook")


def _task_events(runtime, n: int) -> list[int]:
    """n approval tasks for staff1's department head (one e-mail each), written without the in-process hook."""
    with UnitOfWork(runtime.session_factory) as uow:
        staff = uow.session.scalar(select(User).where(User.username == "staff1"))
        events = [emit(uow.session, "task.assigned", "supply_request", 9000 + i, level="dept_review",
                       department_id=staff.department_id, requester_id=staff.id, number=f"SR-T-{i}", version=2)
                  for i in range(n)]
        uow.session.flush()
        ids = [e.id for e in events]
        uow.commit()
    return ids


def _count(runtime, model, *where) -> int:
    with runtime.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def test_planning_a_batch_twice_and_at_once_writes_each_inbox_row_and_message_once(pg_app):
    runtime = pg_app.extensions["jieyue"]
    ids = _task_events(runtime, 30)
    barrier = threading.Barrier(2)
    planned, errors = [], []

    def plan():
        try:
            barrier.wait(10)
            planned.append(sending.plan_events(ids, runtime.uow(), "https://jieyue.test", CHANNELS))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=plan) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    again = sending.plan_events(ids, runtime.uow(), "https://jieyue.test", CHANNELS)
    with runtime.uow() as uow:
        event_ids = list(uow.session.scalars(select(OutboxEvent.event_id).where(OutboxEvent.id.in_(ids))))
        unplanned = uow.session.scalar(select(func.count()).select_from(OutboxEvent).where(
            OutboxEvent.id.in_(ids), OutboxEvent.planned_at.is_(None)))
    messages = _count(runtime, Message, Message.event_id.in_(event_ids))
    inbox = _count(runtime, Notification, Notification.event_id.in_(event_ids))
    assert not errors, errors
    assert unplanned == 0
    assert messages == inbox == len(ids)  # head1 alone hears of each, by inbox and by e-mail
    # Every run names the same pending messages, the rows of whichever run wrote them.
    assert sorted(planned[0]) == sorted(planned[1]) == sorted(again) and len(again) == len(ids)
    assert {channel for _, channel in again} == {"email"}


def test_a_failure_in_a_batch_marks_only_that_message_and_sending_again_skips_the_sent(pg_app):
    runtime = pg_app.extensions["jieyue"]
    ids = _task_events(runtime, 5)
    due = [m for m, _ in sending.plan_events(ids, runtime.uow(), "https://jieyue.test", CHANNELS)]
    sent: list[int] = []

    def deliver(msg):
        if msg.id == due[2]:
            raise ConnectionRefusedError("the mail server said no")
        sent.append(msg.id)

    first = sending.send_messages(due, runtime.uow(), {"email": deliver})
    second = sending.send_messages(due, runtime.uow(), {"email": lambda msg: sent.append(msg.id)})
    with runtime.uow() as uow:
        rows = {m.id: (m.status, m.attempts) for m in uow.session.scalars(select(Message).where(Message.id.in_(due)))}
    assert [m for m, _ in first.errors] == [due[2]] and isinstance(first.errors[0][1], ConnectionRefusedError)
    assert first.statuses == {m: ("pending" if m == due[2] else "sent") for m in due}
    assert second.statuses == {m: "sent" for m in due} and not second.errors
    assert sorted(sent) == sorted(due)  # each once: the failed one only on the second run
    assert rows == {m: ("sent", 2 if m == due[2] else 1) for m in due}


def test_two_senders_given_the_same_batch_send_each_message_once(pg_app):
    runtime = pg_app.extensions["jieyue"]
    ids = _task_events(runtime, 40)
    due = [m for m, _ in sending.plan_events(ids, runtime.uow(), "https://jieyue.test", CHANNELS)]
    sent: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(2)

    def deliver(msg):
        with lock:
            sent.append(msg.id)
        time.sleep(0.005)  # the other sender comes by while this one holds the message

    def run():
        barrier.wait(10)
        # Each sender goes round until nothing of the batch is left pending (the other may hold some).
        while sending.send_messages(due, runtime.uow(), {"email": deliver}).statuses != {m: "sent" for m in due}:
            time.sleep(0.01)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert sorted(sent) == sorted(due)
    assert _count(runtime, Message, Message.id.in_(due), Message.status == "sent", Message.attempts == 1) == len(due)


def test_senders_of_different_batches_at_once_each_send_all_of_their_own_in_one_pass(pg_app):
    runtime = pg_app.extensions["jieyue"]
    ids = _task_events(runtime, 40)
    due = [m for m, _ in sending.plan_events(ids, runtime.uow(), "https://jieyue.test", CHANNELS)]
    halves = [due[0::2], due[1::2]]  # interleaved ids: a scan of either batch passes the other's rows
    barrier = threading.Barrier(2)
    results = [None, None]

    def run(i):
        barrier.wait(10)
        results[i] = sending.send_messages(halves[i], runtime.uow(), {"email": lambda msg: time.sleep(0.002)})

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [r.statuses for r in results] == [{m: "sent" for m in half} for half in halves]


def test_single_message_send_keeps_its_contract_status_and_the_failure_raised(pg_app):
    runtime = pg_app.extensions["jieyue"]
    [message_id] = [m for m, _ in sending.plan_events(_task_events(runtime, 1), runtime.uow(), "https://x", CHANNELS)]

    def refuse(msg):
        raise ConnectionRefusedError("down")

    with pytest.raises(ConnectionRefusedError):
        sending.send(message_id, runtime.uow(), {"email": refuse})
    assert sending.send(message_id, runtime.uow(), {"email": lambda msg: None}) == "sent"
    assert sending.send(message_id, runtime.uow(), {"email": refuse}) == "sent"  # never sent twice
    assert sending.send(10 ** 9, runtime.uow(), {"email": refuse}) == "missing"


# ---- the following relay with a real worker --------------------------------------------------

def test_two_following_relays_deliver_each_event_once_within_a_second(
        pg_url, redis_server, smtp, tmp_path):  # noqa: F811 - the fixtures imported from test_notifications
    env = {"DATABASE_URL": pg_url, "REDIS_URL": redis_server.url, "SMTP_URL": smtp.url}
    worker = servers.CeleryWorker(tmp_path / "worker", env)
    relays = [FollowingRelay(tmp_path / f"relay{i}", env) for i in range(2)]
    app = support.make_app(pg_url, REDIS_URL=redis_server.url, SMTP_URL=smtp.url)
    runtime = app.extensions["jieyue"]
    try:
        worker.start()
        for relay in relays:
            relay.start()
        lags = []
        for _ in range(20):  # a trickle, as offices write them: lag is what the relay adds
            [outbox_id] = _task_events(runtime, 1)
            with runtime.uow() as uow:
                event_id = uow.session.scalar(select(OutboxEvent.event_id).where(OutboxEvent.id == outbox_id))
            started = time.monotonic()
            servers.wait_until(lambda event_id=event_id: smtp.about(event_id), 30, 0.01, "the e-mail of the event")
            lags.append(time.monotonic() - started)
        burst = _task_events(runtime, 200)
        servers.wait_until(lambda: _count(runtime, Message, Message.status == "sent") >= 220, 120, 0.2,
                            "the burst's e-mails")
        quiet = servers.stays(lambda: len(smtp.snapshot()) == 220, 3)  # beat's relay and the sweep add nothing
        mails = smtp.snapshot()
        codes = [relay.stop() for relay in relays]
        with runtime.uow() as uow:
            relayed = uow.session.scalar(select(func.count()).select_from(OutboxEvent).where(
                OutboxEvent.id.in_(burst), OutboxEvent.published_at.is_not(None)))
        lags.sort()
        print(f"\n[following relay] lag of single events: median {lags[len(lags) // 2] * 1000:.0f} ms, "
              f"max {lags[-1] * 1000:.0f} ms; e-mails {len(mails)}, distinct {len({str(m['Message-ID']) for m in mails})}")
        assert lags[-2] < 1.0  # at most one slow outlier of twenty on a shared machine
        assert quiet and len(mails) == 220 and len({str(m["Message-ID"]) for m in mails}) == 220
        assert relayed == len(burst)
        assert codes == [0, 0]  # SIGTERM stops the loop cleanly
    finally:
        for relay in relays:
            relay.stop()
        worker.stop()
        runtime.engine.dispose()
