"""Faults (issue 7, point 6) on servers the tests start themselves: PostgreSQL restarted under load,
Redis restarted while notifications flow, worker processes killed mid-delivery, two beat processes.

The shared PostgreSQL and Redis stay up: every restart here is of a private server on its own
port. Without the PostgreSQL binaries or redis-server these tests skip, except when
JIEYUE_REQUIRE_SERVICES=1 (CI), where a missing one is a failure.
"""
from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import threading
import time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import redis
import requests
from sqlalchemy import func, select, text

from tests import support
from tests.integration import private_pg, servers
from tests.integration.test_notifications import (  # noqa: F401 - fixtures shared with the notification tests
    HEAD1, _draft, _event_of, _no_settings_from_the_environment, broker_stack, redis_server, smtp, smtp_factory)
from workflow.kernel import clock
from workflow.kernel.audit import AuditEvent
from workflow.kernel.db import utcnow
from workflow.kernel.outbox import OutboxEvent
from workflow.notifications import notices
from workflow.notifications.notices import Message
from workflow.procurement.model import SupplyRequest
from workflow.reporting.reports import compile_nightly, nightly_periods
from workflow.reporting.snapshots import ReportSnapshot

REQUIRED = os.environ.get("JIEYUE_REQUIRE_SERVICES") == "1"


@pytest.fixture
def private_db(request):
    """A private PostgreSQL server with a migrated, seeded database `jieyue`."""
    if private_pg.bin_dir() is None:
        if REQUIRED:
            pytest.fail("PostgreSQL binaries are required (JIEYUE_REQUIRE_SERVICES=1) but initdb/pg_ctl were not found")
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found")
    server = private_pg.PrivatePostgres()
    request.addfinalizer(server.destroy)
    server.init().start()
    server.sql("CREATE DATABASE jieyue")
    url = server.url("jieyue")
    support.migrate(url)
    support.seed(url)
    return SimpleNamespace(server=server, url=url)


# ---- PostgreSQL restarted under load ---------------------------------------------------------

STEPS = (("staff1", "submit"), ("head1", "approve"))


class Load:
    """Client threads that file, submit and approve requests over HTTP and keep every answer."""

    def __init__(self, base_url: str, tokens: dict[str, str], pens: int):
        self.base_url, self.tokens, self.pens = base_url, tokens, pens
        self.answers: list[dict] = []  # {"started", "seconds", "status", "body", "item", "action"}
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def _call(self, user, path, body, item, action) -> dict:
        started = time.monotonic()
        try:
            resp = requests.post(self.base_url + path, json=body, timeout=30,
                                 headers={"Authorization": f"Bearer {self.tokens[user]}"})
            status = resp.status_code
            try:
                payload = resp.json()
            except ValueError:
                payload = None
        except requests.RequestException as exc:  # no answer at all: a hang or a dropped connection
            status, payload = None, {"exception": repr(exc)}
        answer = {"started": started, "seconds": time.monotonic() - started, "status": status, "body": payload,
                  "item": item, "action": action}
        with self.lock:
            self.answers.append(answer)
        return answer

    def run(self):
        while not self.stop.is_set():
            a = self._call("staff1", "/api/v1/supply-requests",
                           {"purpose": "Pens", "lines": [{"item_id": self.pens, "quantity": "1"}]}, None, "create")
            if a["status"] != 201:
                time.sleep(0.05)  # the outage: ask again soon, without spinning
                continue
            item, version = a["body"]["id"], a["body"]["version"]
            a["item"] = item
            for user, action in STEPS:
                a = self._call(user, f"/api/v1/supply-requests/{item}/actions/{action}", {"version": version},
                               item, action)
                if a["status"] != 200:
                    time.sleep(0.05)
                    break  # its state is unknown to this client: start a new item
                version = a["body"]["version"]


def test_actions_answered_2xx_survive_a_postgresql_restart_under_load_and_the_app_recovers(private_db, record):
    app = support.make_app(private_db.url)
    server = support.LiveServer(app)
    try:
        c = server.client()
        load = Load(server.url, {u: c.token(u) for u in ("staff1", "head1")}, c.item_id("STA-PEN-G"))
        threads = [threading.Thread(target=load.run) for _ in range(6)]
        for t in threads:
            t.start()
        try:
            time.sleep(4)
            down_at = time.monotonic()
            private_db.server.stop("fast")  # open transactions are cut off; committed ones are on disk
            time.sleep(3)
            private_db.server.start()
            back_at = time.monotonic()
            time.sleep(8)
        finally:
            load.stop.set()
            for t in threads:
                t.join(60)
        assert not any(t.is_alive() for t in threads), "a client thread hangs"
        runtime = app.extensions["jieyue"]
        ok = [a for a in load.answers if a["status"] in (200, 201)]
        bad = [a for a in load.answers if a["status"] not in (200, 201)]
        found, missing = _answered_in_database(runtime, ok)
        after = [a for a in load.answers if a["started"] >= back_at]
        first_ok = min((a["started"] + a["seconds"] for a in after if a["status"] in (200, 201)), default=None)
        recovered = None if first_ok is None else first_ok - back_at
        settled = [a for a in after if a["started"] >= back_at + 5]
    finally:
        server.stop()
        app.extensions["jieyue"].engine.dispose()
    slowest = max((a["seconds"] for a in bad), default=0.0)
    record("6", "PostgreSQL restarted under load",
           f"{len(ok)} answered 2xx, {found} found in the database; {len(bad)} errors during the outage "
           f"(statuses {sorted({a['status'] for a in bad}, key=str)}, slowest answer {slowest:.1f} s); "
           f"server down {back_at - down_at:.1f} s, first success {_seconds(recovered)} after it was back")
    assert missing == [], missing[:5]
    assert found == len(ok) and len(ok) > 50
    assert bad, "the outage was not noticed: the test did not restart anything"
    for a in bad:  # refused quickly and in the API's error shape, never a hang or an HTML page
        assert a["status"] == 503 and a["body"]["code"] == "unavailable", a  # "try again", not "broken"
        assert set(a["body"]) >= {"code", "message", "errors"}, a
        assert a["seconds"] < 15, a
    assert recovered is not None and recovered < 10
    assert settled and all(a["status"] in (200, 201) for a in settled), [a for a in settled if a["status"] >= 300][:3]


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def _answered_in_database(runtime, ok: list[dict]) -> tuple[int, list]:
    """How many 2xx answers the database bears out: the item at that version or later, the step in its audit trail."""
    with runtime.uow() as uow:
        s = uow.session
        ids = {a["item"] for a in ok}
        items = {r.id: SimpleNamespace(status=r.status, version=r.version)
                 for r in s.scalars(select(SupplyRequest).where(SupplyRequest.id.in_(ids)))}
        trail: dict[int, list[tuple[str, str]]] = {}
        for e in s.scalars(select(AuditEvent).where(AuditEvent.entity_type == "supply_request",
                                                    AuditEvent.entity_id.in_(ids)).order_by(AuditEvent.id)):
            trail.setdefault(e.entity_id, []).append((e.action, e.to_state))
    found, missing = 0, []
    for a in ok:
        row, body = items.get(a["item"]), a["body"]
        steps = trail.get(a["item"], [])
        here = (row is not None and row.version >= body["version"]
                and (row.version > body["version"] or row.status == body["status"])
                and (a["action"], body["status"]) in steps)
        if here:
            found += 1
        else:
            missing.append((a["action"], body["id"], body["status"], body["version"], row and row.status, steps))
    return found, missing


# ---- Redis restarted while notifications flow --------------------------------------------------

SWEEP_AFTER = 4  # seconds; the worker sweeps every 2


def _submit_all(http, drafts) -> list[int]:
    return [http.post("staff1", f"/api/v1/supply-requests/{r['id']}/actions/submit", {"version": r["version"]})[0]
            for r in drafts]


def _control(redis_url: str):
    """A Celery app of our own on the private Redis: to publish as the relay does, and to steer the worker."""
    from tasks import make_celery
    from workflow.kernel.settings import Settings

    return make_celery(Settings(redis_url=redis_url))


def test_redis_restarted_while_notifications_flow_loses_none_and_doubles_none(
        broker_stack, smtp, monkeypatch, record):  # noqa: F811 - the fixtures imported from test_notifications
    monkeypatch.setenv("SWEEP_AFTER_SECONDS", str(SWEEP_AFTER))  # the worker reads it from its environment
    stack = broker_stack(smtp)
    k = 15
    drafts = [_draft(stack.http, quantity="1") for _ in range(3 * k)]
    started = time.monotonic()
    statuses = _submit_all(stack.http, drafts[:k])  # 1. flowing through the worker as usual
    servers.wait_until(lambda: len(smtp.to(HEAD1)) >= k, 90, 0.2, f"the first {k} e-mails")
    control = _control(stack.redis.url)
    broker = redis.Redis(host="127.0.0.1", port=stack.redis.port)
    try:
        # 2. The worker stops taking tasks, so what the relay hands to Redis now stays queued there.
        assert control.control.cancel_consumer("celery", reply=True, timeout=5), "the worker did not answer"
        statuses += _submit_all(stack.http, drafts[k:2 * k])
        relayed = []
        def publish(ids):
            for i in ids:
                control.send_task("jieyue.plan_event", args=[i])
                relayed.append(i)

        while notices.relay_batch(stack.runtime.uow(), publish):
            pass
        # Take stock of the queue and empty it in one step, then restart: the restart would lose
        # these anyway (no persistence); reading them first makes the loss exact and known.
        with broker.pipeline(transaction=True) as pipe:
            lost = _tasks(pipe.lrange("celery", 0, -1).delete("celery").execute()[0])
        stack.redis.stop()
        time.sleep(2)
        stack.redis.start()
        restarted = utcnow()
        back_at = time.monotonic()
        # 3. The worker reconnects by itself; then it takes tasks again, and people go on working.
        def resumed():
            try:
                return control.control.add_consumer("celery", reply=True, timeout=2)
            except Exception:  # noqa: BLE001 - our own connection from before the restart: the next call reconnects
                return None

        servers.wait_until(resumed, 60, 0.5, "the worker to take tasks again")
    finally:
        broker.close()
        control.close()
    statuses += _submit_all(stack.http, drafts[2 * k:])
    n = 3 * k
    try:
        servers.wait_until(lambda: len(smtp.to(HEAD1)) >= n, 120, 0.5, f"{n} e-mails to head1")
    finally:
        delivered_after = time.monotonic() - back_at
    quiet = servers.stays(lambda: len(smtp.snapshot()) == n, SWEEP_AFTER + 3)  # two more sweeps: still n
    mails = smtp.snapshot()
    events = [_event_of(m) for m in mails]
    with stack.runtime.uow() as uow:
        s = uow.session
        by_status = dict(s.execute(select(Message.status, func.count()).group_by(Message.status)).all())
        attempts = dict(s.execute(select(Message.attempts, func.count()).group_by(Message.attempts)).all())
        unplanned = s.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.planned_at.is_(None)))
        replanned = s.scalar(select(func.count()).select_from(OutboxEvent).where(
            OutboxEvent.id.in_(lost["jieyue.plan_event"]), OutboxEvent.planned_at >= restarted))
    sweeps = [int(x) for x in re.findall(r"sweep_messages\[[0-9a-f-]+\] succeeded in [0-9.e-]+s: (\d+)", stack.worker.log())]
    record("6", "Redis restarted while notifications flow",
           f"{n} submissions ({k} before, {k} while tasks waited in Redis, {k} after); lost with Redis: "
           f"{len(lost['jieyue.plan_event'])} plan tasks, {len(lost['jieyue.send_message'])} send tasks, "
           f"{len(lost['other'])} others; {replanned} of the lost events planned by the sweep after the restart; "
           f"{len(mails)} e-mails, {len(set(events))} distinct events, {len(mails) - len(set(events))} duplicates, "
           f"{n - len(set(events))} lost; all delivered {delivered_after:.1f} s after Redis returned, "
           f"{time.monotonic() - started:.1f} s in all")
    assert statuses == [200] * n
    # Every event the relay marked published while the worker waited was lost with Redis ...
    assert relayed and set(relayed) <= set(lost["jieyue.plan_event"])
    # ... and each was planned again by the sweep, after the restart, and mailed once.
    assert replanned == len(lost["jieyue.plan_event"]) and sum(sweeps) >= replanned
    assert quiet and len(mails) == n and len(set(events)) == n and None not in events
    assert by_status == {"sent": n} and attempts == {1: n}
    assert unplanned == 0 and notices.unpublished_count(stack.runtime.uow()) == 0
    assert delivered_after < 90


def test_a_worker_holding_a_task_when_redis_stops_reconnects_instead_of_exiting(
        pg_url, redis_server, tmp_path, request, record):  # noqa: F811 - the fixtures imported from test_notifications
    worker = servers.CeleryWorker(tmp_path / "worker", {"DATABASE_URL": pg_url, "REDIS_URL": redis_server.url})
    request.addfinalizer(worker.stop)
    worker.start()
    # The embedded beat sends relay_outbox every 2 s; stop Redis the moment one is received (held, unacknowledged).
    held = worker.log().count("received")
    servers.wait_until(lambda: worker.log().count("received") > held, 30, 0.01, "a task received by the worker")
    redis_server.stop()
    time.sleep(3)
    redis_server.start()
    back = len(re.findall(r"relay_outbox\[[0-9a-f-]+\] succeeded", worker.log()))

    def working_again():
        assert worker.proc.poll() is None, f"the worker exited:\n{worker.log()[-3000:]}"
        return len(re.findall(r"relay_outbox\[[0-9a-f-]+\] succeeded", worker.log())) > back + 1

    servers.wait_until(working_again, 60, 0.2, "tasks succeeding after Redis returned")
    log = worker.log()
    record("6", "Redis stopped while the worker holds a task",
           f"worker running afterwards: {worker.proc.poll() is None}; unrecoverable errors "
           f"{log.count('Unrecoverable error')}; reconnected and ran tasks again")
    assert worker.proc.poll() is None and "Unrecoverable error" not in log


def _tasks(messages: list[bytes]) -> dict[str, list[int]]:
    """The ids each queued Celery message carries, by task name (kombu's JSON envelope, protocol 2)."""
    found: dict[str, list[int]] = {"jieyue.plan_event": [], "jieyue.send_message": [], "other": []}
    for raw in messages:
        envelope = json.loads(raw)
        name = envelope["headers"]["task"]
        args = json.loads(base64.b64decode(envelope["body"]))[0]
        first = args[0] if args else None
        # One id per task, or a batch of ids in one task: either way, count the ids.
        found[name if name in found else "other"].extend(first if isinstance(first, list) else [first])
    return found


# ---- worker processes killed with SIGKILL in the middle of a batch ------------------------------

def test_worker_children_killed_mid_batch_send_every_email_exactly_once(
        broker_stack, smtp_factory, record):  # noqa: F811 - the fixtures imported from test_notifications
    slow_smtp = smtp_factory(delay=1.0)  # every delivery spends a second inside DATA: there is time to kill
    stack = broker_stack(slow_smtp)
    n = 12
    drafts = [_draft(stack.http, quantity="1") for _ in range(n)]
    for req in drafts:
        status, body = stack.http.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit",
                                       {"version": req["version"]})
        assert status == 200, body
    killed = []
    for _ in range(2):
        entry = servers.wait_until(lambda: next(iter(slow_smtp.in_progress), None), 60, 0.05, "a delivery in progress")
        client_port = entry["peer"][1]
        victim = servers.wait_until(
            lambda port=client_port: stack.worker.child_with_connection(port, slow_smtp.port), 5, 0.05,
            "the worker child holding the SMTP connection")
        killed.append(stack.worker.kill_child(victim))
        servers.wait_until(lambda: len(slow_smtp.aborted) >= len(killed), 10,
                            what="the server to see the client vanish")
    servers.wait_until(lambda: len(slow_smtp.to(HEAD1)) >= n, 120, 0.2, f"{n} e-mails to head1")
    quiet = servers.stays(lambda: len(slow_smtp.snapshot()) == n, 5)
    mails = slow_smtp.snapshot()
    per_event: dict[str, int] = {}
    for m in mails:
        per_event[_event_of(m)] = per_event.get(_event_of(m), 0) + 1
    with stack.runtime.uow() as uow:
        rows = [(r.status, r.attempts) for r in uow.session.scalars(select(Message).order_by(Message.id))]
    aborted_events = {_event_of(e["message"]) for e in slow_smtp.aborted}
    record("6", "Celery worker killed with SIGKILL mid-batch",
           f"{len(killed)} pool children killed mid-delivery; {n} events, {len(mails)} e-mails accepted, "
           f"{sum(1 for v in per_event.values() if v > 1)} events mailed twice; message rows {len(rows)}, "
           f"sent once {rows.count(('sent', 1))}")
    assert quiet and len(mails) == n and set(per_event.values()) == {1} and len(per_event) == n
    assert aborted_events <= set(per_event)  # the deliveries cut off were made again, once
    assert rows == [("sent", 1)] * n
    assert not set(killed) & set(stack.worker.children())


# ---- two beat processes ---------------------------------------------------------------------------

class Beat:
    """`celery beat` from the project root with the short compile_reports schedule (tests/integration/beat_app.py)."""

    def __init__(self, directory, env: dict[str, str]):
        directory.mkdir(parents=True, exist_ok=True)
        self.log_path = directory / "beat.log"
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(servers.VENV_BIN / "celery"), "-A", "tests.integration.beat_app", "beat", "--loglevel=INFO",
             "-s", str(directory / "schedule"), "--pidfile", str(directory / "beat.pid")],
            cwd=servers.ROOT, env={**os.environ, **env}, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def sent(self) -> int:
        return self.log_path.read_text(errors="replace").count("Sending due task compile-reports")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


def _snapshot_counts(runtime) -> tuple[int, int]:
    with runtime.uow() as uow:
        rows = uow.session.scalar(select(func.count()).select_from(ReportSnapshot))
        most = uow.session.scalar(text("SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM report_snapshots "
                                       "GROUP BY report, key) per_key"))
    return rows, most


EXPECTED_SNAPSHOTS = 6 * len(nightly_periods(clock.today(ZoneInfo("Asia/Shanghai"))))  # six reports for each period compiled nightly


def test_two_beat_processes_leave_one_report_snapshot_per_period(
        request, pg_app, pg_url, redis_server, tmp_path, record):  # noqa: F811 - the fixtures imported from test_notifications
    assert _snapshot_counts(pg_app.extensions["jieyue"]) == (0, 0)  # the first compilers race to INSERT
    env = {"DATABASE_URL": pg_url, "REDIS_URL": redis_server.url, "COMPILE_REPORTS_EVERY": "2"}
    worker = servers.CeleryWorker(tmp_path / "worker", env)
    request.addfinalizer(worker.stop)
    worker.start()
    beats = []
    for name in ("a", "b"):
        beat = Beat(tmp_path / f"beat-{name}", env)
        request.addfinalizer(beat.stop)
        beats.append(beat)
    servers.wait_until(lambda: all(b.sent() >= 3 for b in beats), 60, 0.2, "both beats to fire three times")
    for beat in beats:
        beat.stop()
    fired = [b.sent() for b in beats]

    def finished():
        log = worker.log()
        return len(re.findall(r"compile_reports\[[0-9a-f-]+\] (?:succeeded|raised)", log)) >= sum(fired)

    servers.wait_until(finished, 180, 0.5, f"{sum(fired)} compile_reports runs to finish")
    log = worker.log()
    failed = len(re.findall(r"compile_reports\[[0-9a-f-]+\] raised", log))
    runs = re.findall(r"compile_reports\[[0-9a-f-]+\] succeeded in [0-9.e-]+s: (\d+)", log)
    rows, most = _snapshot_counts(pg_app.extensions["jieyue"])
    record("6", "Two beat processes firing compile_reports",
           f"beat a fired {fired[0]}, beat b {fired[1]}; {len(runs)} runs succeeded, {failed} failed; "
           f"{rows} snapshot rows for {EXPECTED_SNAPSHOTS} reports of the periods, at most {most} per period")
    assert failed == 0 and len(runs) == sum(fired)
    assert rows == EXPECTED_SNAPSHOTS and most == 1
    assert set(runs) == {str(EXPECTED_SNAPSHOTS)}


def test_compile_reports_from_eight_threads_at_once_leaves_one_snapshot_per_period(pg_app, record):
    runtime = pg_app.extensions["jieyue"]
    today = runtime.uow().today()
    assert _snapshot_counts(runtime) == (0, 0)  # all eight race to INSERT the same rows
    barrier = threading.Barrier(8)
    errors, done = [], []

    def compile_once():
        try:
            barrier.wait(30)
            done.append(compile_nightly(runtime.uow, today))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=compile_once) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    rows, most = _snapshot_counts(runtime)
    record("6", "compile_reports from 8 threads at once",
           f"{len(done)} compilations, {len(errors)} errors; {rows} snapshot rows for "
           f"{EXPECTED_SNAPSHOTS} reports of the periods, at most {most} per period")
    assert not errors, errors[:3]
    assert len(done) == 8 and rows == EXPECTED_SNAPSHOTS and most == 1
