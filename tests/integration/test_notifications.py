"""Notifications end to end on PostgreSQL with real parts: aiosmtpd, an HTTP webhook receiver,
a private redis-server and a Celery worker with embedded beat.

Redis is required like PostgreSQL: without redis-server these tests skip, except when
JIEYUE_REQUIRE_SERVICES=1 (CI), where a missing service is a failure.
"""
from __future__ import annotations

import email.utils
import os
import re
import threading
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update

from tests import support
from tests.integration import servers
from workflow.kernel.outbox import OutboxEvent, emit
from workflow.kernel.uow import UnitOfWork
from workflow.notifications import sending, notices
from workflow.notifications.notices import Message
from workflow.notifications.transports import smtp_sender, transports_for

REQUIRED = os.environ.get("JIEYUE_REQUIRE_SERVICES") == "1"
BASE_URL = "https://jieyue.test"
HEAD1 = "head1@jieyue.local"
STAFF1 = "staff1@jieyue.local"


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch):
    # Each app and worker here gets its settings explicitly; a REDIS_URL or SMTP_URL exported in
    # the shell must not turn an in-process app into a broker app (or the other way round).
    for name in ("REDIS_URL", "SMTP_URL", "BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def _require_redis():
    if servers.redis_binary() is None:
        if REQUIRED:
            pytest.fail("redis-server is required (JIEYUE_REQUIRE_SERVICES=1) but not on PATH")
        pytest.skip("redis-server not on PATH")


@pytest.fixture
def smtp_factory(request):
    def make(**kw) -> servers.SmtpSink:
        sink = servers.SmtpSink(**kw)
        request.addfinalizer(sink.stop)
        return sink.start()

    return make


@pytest.fixture
def smtp(smtp_factory):
    return smtp_factory()


@pytest.fixture
def webhook(request):
    sink = servers.WebhookSink()
    request.addfinalizer(sink.stop)
    return sink.start()


@pytest.fixture
def redis_server(request, tmp_path):
    _require_redis()
    server = servers.RedisServer(tmp_path / "redis")
    request.addfinalizer(server.stop)
    return server.start()


def _app_on_live_server(request, url, **config):
    app = support.make_app(url, BASE_URL=BASE_URL, **config)
    request.addfinalizer(app.extensions["jieyue"].engine.dispose)
    server = support.LiveServer(app)
    request.addfinalizer(server.stop)
    return app, server.client()


@pytest.fixture
def broker_stack(request, pg_url, redis_server, tmp_path):
    """Factory: the app on a live server with REDIS_URL, and a real worker with beat, both on one SMTP sink."""

    def make(smtp: servers.SmtpSink):
        app, http = _app_on_live_server(request, pg_url, REDIS_URL=redis_server.url, SMTP_URL=smtp.url)
        worker = servers.CeleryWorker(tmp_path / "worker", {
            "DATABASE_URL": pg_url, "REDIS_URL": redis_server.url, "SMTP_URL": smtp.url, "BASE_URL": BASE_URL})
        request.addfinalizer(worker.stop)
        worker.start()
        assert app.extensions["jieyue"].on_outbox is None  # with a broker, only the worker delivers
        return SimpleNamespace(app=app, runtime=app.extensions["jieyue"], http=http, worker=worker,
                               redis=redis_server, smtp=smtp)

    return make


@pytest.fixture
def inline_stack(request, pg_url):
    """Factory: the app on a live server without REDIS_URL (delivery in-process after each commit)."""

    def make(smtp_url: str):
        # The webhook receiver listens on 127.0.0.1: only the administrator's allow-list lets it in.
        app, http = _app_on_live_server(request, pg_url, SMTP_URL=smtp_url, WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
        assert app.extensions["jieyue"].settings.redis_url is None
        assert app.extensions["jieyue"].on_outbox is not None
        return SimpleNamespace(app=app, runtime=app.extensions["jieyue"], http=http)

    return make


# ---- helpers -------------------------------------------------------------------------------

def _draft(http, user="staff1", quantity="20"):
    status, req = http.post(user, "/api/v1/supply-requests", {
        "purpose": "Pens", "lines": [{"item_id": http.item_id("STA-PEN-G"), "quantity": quantity}]})
    assert status == 201, req
    return req


def _submit(http, req, user="staff1"):
    status, body = http.post(user, f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": req["version"]})
    assert status == 200 and body["status"] == "dept_review", body
    return body


def _event(runtime, request_id: int, topic: str) -> OutboxEvent:
    with runtime.uow() as uow:
        event = uow.session.scalar(select(OutboxEvent).where(
            OutboxEvent.aggregate_type == "supply_request", OutboxEvent.aggregate_id == request_id,
            OutboxEvent.topic == topic))
        assert event is not None, f"no {topic} event for request {request_id}"
        uow.session.expunge(event)
        return event


def _messages(runtime, event_id: str) -> list[Message]:
    with runtime.uow() as uow:
        rows = uow.session.scalars(select(Message).where(Message.event_id == event_id).order_by(Message.id)).all()
        for r in rows:
            uow.session.expunge(r)
        return rows


def _event_of(mail) -> str | None:
    """The outbox event id carried in an e-mail's Message-ID."""
    m = re.search(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})", str(mail["Message-ID"]))
    return m.group(1) if m else None


def _parts(mail) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in mail.walk() if not part.is_multipart()}


# ---- 1. the happy path through the broker ----------------------------------------------------

def test_submission_through_the_worker_mails_the_head_once_in_chinese_and_fills_the_inbox(broker_stack, smtp):
    stack = broker_stack(smtp)
    http = stack.http
    started = time.monotonic()
    req = _submit(http, _draft(http))
    event = _event(stack.runtime, req["id"], "task.assigned")

    servers.wait_until(lambda: smtp.about(event.event_id), 60, what="the e-mail to head1")
    delivered_after = time.monotonic() - started
    # Watch a few seconds more: a duplicate (a second relay, a redelivered task) would show here.
    quiet = servers.stays(lambda: len(smtp.about(event.event_id)) == 1, 5)
    mails = smtp.about(event.event_id)
    print(f"\n[broker] e-mail after {delivered_after:.1f} s; e-mails for the event after 5 s more: {len(mails)}; "
          f"all e-mails received: {len(smtp.snapshot())}")
    assert quiet and len(mails) == 1, [m["Subject"] for m in mails]
    mail = mails[0]
    assert email.utils.parseaddr(str(mail["To"]))[1] == HEAD1
    assert "待您审批" in str(mail["Subject"]) and req["number"] in str(mail["Subject"])
    link = f"{BASE_URL}/api/v1/supply-requests/{req['id']}"
    parts = _parts(mail)
    assert set(parts) == {"text/plain", "text/html"}, parts.keys()
    assert link in parts["text/plain"] and f'href="{link}"' in parts["text/html"]
    assert "等待您审批" in parts["text/plain"]
    assert [m for m in smtp.snapshot() if email.utils.parseaddr(str(m["To"]))[1] != HEAD1] == []

    status, inbox = http.get("head1", "/api/v1/notifications")
    assert status == 200, inbox
    items = [i for i in inbox["items"] if i["link"] == link]
    assert [i["topic"] for i in items] == ["task.assigned"] and inbox["unread"] >= 1
    assert "待您审批" in items[0]["title"]
    rows = _messages(stack.runtime, event.event_id)
    assert [(r.channel, r.address, r.status, r.attempts) for r in rows] == [("email", HEAD1, "sent", 1)]


# ---- 2. Redis down while people work ---------------------------------------------------------

def test_submissions_while_redis_is_down_succeed_and_are_mailed_exactly_once_when_it_returns(
        broker_stack, smtp, record):
    n = 200
    stack = broker_stack(smtp)
    http = stack.http
    drafts = [_draft(http, quantity="1") for _ in range(n)]  # drafts raise no events

    stack.redis.stop()
    assert not stack.redis.ping()
    down_at = time.monotonic()
    statuses = []
    for req in drafts:
        status, body = http.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit",
                                 {"version": req["version"]})
        statuses.append(status)
    submit_seconds = time.monotonic() - down_at
    unpublished_while_down = notices.unpublished_count(stack.runtime.uow())
    mails_while_down = len(smtp.snapshot())
    stack.redis.start()
    back_at = time.monotonic()
    record("6", "redis down", f"{n} submissions in {submit_seconds:.1f} s, statuses {sorted(set(statuses))}; "
           f"unpublished outbox rows while down: {unpublished_while_down}; e-mails while down: {mails_while_down}")
    assert statuses == [200] * n
    assert unpublished_while_down == 2 * n  # request.submitted + task.assigned each, all waiting
    assert mails_while_down == 0

    try:
        servers.wait_until(lambda: len(smtp.to(HEAD1)) >= n, 180, 0.5, f"{n} e-mails to head1")
    finally:
        got = smtp.to(HEAD1)
        print(f"[redis down] e-mails to head1 {len(got)} of {n}, {time.monotonic() - back_at:.1f} s after Redis returned")
    # Anything extra would come soon after the last one: watch a few seconds.
    quiet = servers.stays(lambda: len(smtp.snapshot()) == n, 5)
    mails = smtp.snapshot()
    ids = {str(m["Message-ID"]) for m in mails}
    events = {_event_of(m) for m in mails}
    unpublished = notices.unpublished_count(stack.runtime.uow())
    with stack.runtime.uow() as uow:
        by_status = dict(uow.session.execute(select(Message.status, func.count()).group_by(Message.status)).all())
    record("6", "redis down, after it returned", f"e-mails {len(mails)}, distinct Message-IDs {len(ids)}, "
           f"distinct events {len(events)}, duplicates {len(mails) - len(events)}, unpublished outbox rows "
           f"{unpublished}, messages {by_status}, total {time.monotonic() - down_at:.1f} s")
    assert quiet and len(mails) == n and len(ids) == n and len(events) == n
    assert all(email.utils.parseaddr(str(m["To"]))[1] == HEAD1 for m in mails)
    assert unpublished == 0
    assert by_status == {"sent": n}


# ---- 3. a worker process killed in the middle of a delivery ----------------------------------

def test_send_task_of_a_worker_killed_mid_delivery_is_redelivered_and_mails_exactly_once(
        broker_stack, smtp_factory, record):
    smtp = smtp_factory(delay=5.0, delay_count=1)  # the first delivery hangs in DATA for 5 s
    stack = broker_stack(smtp)
    req = _submit(stack.http, _draft(stack.http))
    event = _event(stack.runtime, req["id"], "task.assigned")

    entry = servers.wait_until(lambda: smtp.in_progress_about(event.event_id), 60, 0.05, "the SMTP delivery to be in progress")
    victim = servers.wait_until(lambda: stack.worker.child_with_connection(entry["peer"][1], smtp.port), 5, 0.05,
                                 "the worker child holding the SMTP connection")
    assert victim in stack.worker.pool_children()
    killed_at = time.monotonic()
    stack.worker.kill_child(victim)
    assert servers.wait_until(lambda: smtp.aborted, 10, what="the server to see the client vanish")
    servers.wait_until(lambda: smtp.about(event.event_id), 90, 0.2, "the e-mail after the worker was killed")
    arrived_after = time.monotonic() - killed_at
    servers.stays(lambda: len(smtp.about(event.event_id)) == 1, 5)
    mails = smtp.about(event.event_id)
    rows = _messages(stack.runtime, event.event_id)
    log = stack.worker.log()
    lost = "WorkerLostError" in log
    received = re.findall(r"Task jieyue\.send_message\[([0-9a-f-]+)\] received", log)
    given_back = sorted({t for t in received if received.count(t) > 1})
    record("6", "killed worker", f"pool child {victim} killed; e-mail accepted {arrived_after:.1f} s later; "
           f"accepted {len(mails)}, aborted mid-DATA {len(smtp.aborted)}; message rows "
           f"{[(r.status, r.attempts) for r in rows]}; worker logged the loss: {lost}; send tasks received again: "
           f"{given_back}")
    assert lost and len(given_back) == 1  # the same task came back (not a new one from the sweep)
    # The send task carries a batch (here of one) and reports how many of it ended in each status.
    assert re.search(rf"send_message\[{given_back[0]}\] succeeded in [0-9.]+s: {{'sent': 1}}", log)
    assert len(mails) == 1
    assert [(r.channel, r.status) for r in rows] == [("email", "sent")]
    assert victim not in stack.worker.children()


# ---- 4. two relays at once ---------------------------------------------------------------------

def test_two_relays_at_once_publish_each_of_1000_events_exactly_once(pg_app):
    runtime = pg_app.extensions["jieyue"]
    # A unit of work without the in-process hook: nothing may relay these rows but the two threads.
    with UnitOfWork(runtime.session_factory) as uow:
        # A topic nobody is told of, so that only the relay acts on these rows.
        events = [emit(uow.session, "trip.closed", "trip", i, distance_km=str(i), actor_id=0) for i in range(1000)]
        uow.session.flush()
        ours = {e.id for e in events}
        uow.commit()
    with runtime.uow() as uow:
        waiting = set(uow.session.scalars(select(OutboxEvent.id).where(OutboxEvent.published_at.is_(None))))
    assert ours <= waiting

    published = {"a": [], "b": []}
    errors = []
    barrier = threading.Barrier(2)

    def run(name):
        def publish(outbox_id):
            published[name].append(outbox_id)
            time.sleep(0.001)  # let the other relay get a turn while this batch is held

        try:
            barrier.wait(10)
            deadline = time.monotonic() + 120
            while notices.relay_batch(runtime.uow(), lambda ids: [publish(i) for i in ids], batch=50):
                assert time.monotonic() < deadline, "relay did not finish in 120 s"
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(name,)) for name in published]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(150)
    assert not any(t.is_alive() for t in threads), "a relay thread is still running"
    assert not errors, errors
    all_ids = published["a"] + published["b"]
    print(f"\n[two relays] thread a published {len(published['a'])}, thread b {len(published['b'])}, "
          f"total {len(all_ids)}, distinct {len(set(all_ids))}, in {time.monotonic() - started:.1f} s")
    assert len(all_ids) == len(set(all_ids)), "an event was published twice"
    assert set(all_ids) == waiting
    assert published["a"] and published["b"]
    assert notices.unpublished_count(runtime.uow()) == 0


# ---- 5. a personal webhook -----------------------------------------------------------------------

def test_returned_request_reaches_a_personal_webhook_and_email_once_and_replanning_sends_nothing(
        inline_stack, smtp, webhook):
    stack = inline_stack(smtp.url)
    http = stack.http
    status, prefs = http.call("staff1", "PUT", "/api/v1/me/notification-preferences",
                              json={"webhook": True, "webhook_url": webhook.url})
    assert status == 200 and prefs == {"email": True, "webhook": True, "webhook_url": webhook.url}, prefs
    req = _submit(http, _draft(http))
    status, returned = http.post("head1", f"/api/v1/supply-requests/{req['id']}/actions/return",
                                 {"version": req["version"], "comment": "请写明用途"})
    assert status == 200 and returned["status"] == "returned", returned
    event = _event(stack.runtime, req["id"], "request.returned")

    servers.wait_until(lambda: webhook.snapshot() and smtp.about(event.event_id), 20, what="webhook and e-mail")
    stack.runtime.wait_for_deliveries()  # sent in the background: let it record both as sent
    bodies, mails = webhook.snapshot(), smtp.about(event.event_id)
    print(f"\n[webhook] webhook bodies {len(bodies)}, e-mails for the returned event {len(mails)}")
    assert len(bodies) == 1 and len(mails) == 1
    body = bodies[0]
    assert body["msgtype"] == "markdown"
    assert req["number"] in body["markdown"]["title"] and "退回" in body["markdown"]["title"]
    assert "请写明用途" in body["markdown"]["content"]
    assert f"{BASE_URL}/api/v1/supply-requests/{req['id']}" in body["markdown"]["content"]
    assert email.utils.parseaddr(str(mails[0]["To"]))[1] == STAFF1

    # Running the steps again for the same event plans nothing new and sends nothing more.
    transports = transports_for(stack.runtime.settings)
    again = sending.plan(event.id, stack.runtime.uow(), BASE_URL, tuple(transports))
    rows = _messages(stack.runtime, event.event_id)
    statuses = [sending.send(r.id, stack.runtime.uow(), transports) for r in rows]
    # Watch a moment for a stray late request.
    servers.stays(lambda: len(webhook.snapshot()) == 1 and len(smtp.about(event.event_id)) == 1, 1)
    print(f"[webhook] second plan returned {again}; second send returned {statuses}; "
          f"webhook bodies {len(webhook.snapshot())}, e-mails {len(smtp.about(event.event_id))}")
    assert again == []
    assert sorted((r.channel, r.status) for r in rows) == [("email", "sent"), ("webhook", "sent")]
    assert statuses == ["sent", "sent"]
    assert len(webhook.snapshot()) == 1 and len(smtp.about(event.event_id)) == 1


# ---- 6. SMTP down ------------------------------------------------------------------------------

def test_mail_that_cannot_be_sent_fails_visibly_and_an_admin_retry_sends_it(inline_stack, smtp_factory):
    port = servers.free_port()  # nothing listens here until the SMTP server "comes back"
    stack = inline_stack(f"smtp://127.0.0.1:{port}")
    http = stack.http
    req = _submit(http, _draft(http))  # answers 200 although the mail cannot go
    stack.runtime.wait_for_deliveries()  # the one attempt, made in the background
    event = _event(stack.runtime, req["id"], "task.assigned")
    [row] = _messages(stack.runtime, event.event_id)
    print(f"\n[smtp down] after the submission: status {row.status}, attempts {row.attempts}, "
          f"last_error {row.last_error!r}")
    assert (row.channel, row.address, row.status, row.attempts) == ("email", HEAD1, "pending", 1)
    assert row.last_error

    with stack.runtime.uow() as uow:
        uow.session.execute(update(Message).where(Message.id == row.id)
                            .values(attempts=notices.MAX_ATTEMPTS - 1))
        uow.commit()
    outcome = sending.send(row.id, stack.runtime.uow(), transports_for(stack.runtime.settings))
    [row] = _messages(stack.runtime, event.event_id)
    assert outcome == "failed" and (row.status, row.attempts) == ("failed", notices.MAX_ATTEMPTS)

    status, failed = http.get("admin", "/api/v1/failed-messages")
    assert status == 200, failed
    assert [(m["id"], m["address"], m["attempts"]) for m in failed] == [(row.id, HEAD1, notices.MAX_ATTEMPTS)]
    assert failed[0]["last_error"]
    status, denied = http.get("staff1", "/api/v1/failed-messages")
    assert status == 403, denied
    status, denied = http.post("staff1", "/api/v1/failed-messages/retry", {})
    assert status == 403, denied

    smtp = smtp_factory(port=port)  # the mail server is back
    status, retried = http.post("admin", "/api/v1/failed-messages/retry", {})
    assert status == 200 and retried == {"requeued": [row.id]}, retried
    servers.wait_until(lambda: smtp.about(event.event_id), 20, what="the retried e-mail")
    stack.runtime.wait_for_deliveries()
    [row] = _messages(stack.runtime, event.event_id)
    print(f"[smtp down] after the retry: status {row.status}, attempts {row.attempts}, "
          f"e-mails {len(smtp.about(event.event_id))}")
    assert row.status == "sent" and row.sent_at is not None
    assert len(smtp.about(event.event_id)) == 1 and email.utils.parseaddr(str(smtp.to(HEAD1)[0]["To"]))[1] == HEAD1
    status, failed = http.get("admin", "/api/v1/failed-messages")
    assert status == 200 and failed == []


# ---- what the SMTP transport promises about each e-mail ----------------------------------------

def _message(language="zh"):
    return Message(event_id="0f4b9a1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b", recipient="user:3", channel="email",
                   address=HEAD1, subject="SR-1 待您审批", body="等待您审批。", link=f"{BASE_URL}/x",
                   language=language)


def test_a_message_sent_twice_carries_the_same_message_id_so_receivers_can_drop_the_repeat(smtp):
    # transports.smtp_sender promises "one Message-ID per (event, recipient)": a repeat after a lost
    # acknowledgement (worker killed after the server accepted) must be recognisable by the receiver.
    msg = _message()
    send = smtp_sender(smtp.url)
    send(msg)
    send(msg)
    ids = [str(m["Message-ID"]) for m in smtp.about(msg.event_id)]
    print(f"\n[message-id] two sends of one message gave Message-IDs {ids}")
    assert len(ids) == 2
    assert ids[0] == ids[1]


def test_email_declares_the_recipients_language_in_content_language(smtp):
    send = smtp_sender(smtp.url)
    send(_message("zh"))
    send(_message("en"))
    got = [str(m["Content-Language"]) for m in smtp.snapshot()]
    print(f"\n[content-language] headers of a zh and an en e-mail: {got}")
    assert got == ["zh-CN", "en"]
