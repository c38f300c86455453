"""Scale-out on one machine: two gunicorn servers and two Celery workers on one PostgreSQL and Redis.

The B1 workload (the supply lifecycle: create, submit, two approvals) runs over HTTP against
both servers at once, while the B6 path (outbox relay → Celery → delivery) carries every
notification through two workers to a real SMTP server. Nothing may fail or happen twice.
"""
from __future__ import annotations

import collections
import os
import re
import signal
import subprocess
import threading
import time

import requests
from sqlalchemy import func, select, text

from tests import support
from tests.integration import servers
from tests.integration.test_notifications import redis_server  # noqa: F401 - the shared fixture
from workflow.kernel.audit import AuditEvent
from workflow.kernel.outbox import OutboxEvent
from workflow.notifications.notices import Message
from workflow.people import accounts

CLIENTS = 8
LIFECYCLES_PER_CLIENT = 25
BASE_URL = "https://jieyue.test"


class Gunicorn:
    """`gunicorn wsgi:app` as a subprocess on a free port, with its own environment."""

    def __init__(self, directory, env: dict[str, str], workers: int = 2):
        self.port = servers.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = directory / f"gunicorn-{self.port}.log"
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(servers.VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
             "--threads", "4", "--no-control-socket", "--access-logfile", "-", "--access-logformat", "%(p)s %(m)s %(U)s %(s)s", "wsgi:app"],
            cwd=servers.ROOT, env={**os.environ, **env}, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def wait_ready(self) -> "Gunicorn":
        servers.wait_until(self._answers, 60, 0.2, f"gunicorn on {self.url}")
        return self

    def _answers(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"gunicorn exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
        try:
            return requests.get(self.url + "/api/v1/openapi.json", timeout=10).status_code == 200
        except requests.RequestException:  # not listening yet, or still importing under load
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def served_by(self) -> collections.Counter:
        """Requests answered per gunicorn worker pid (from the access log lines)."""
        return collections.Counter(m.group(1) for m in re.finditer(r"^<(\d+)> \w+ /api/v1/", self.log(), re.M))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._log.close()


class PlainWorker(servers.CeleryWorker):
    """A second worker without embedded beat: in production only one beat runs."""

    def start(self, timeout: float = 60) -> "PlainWorker":
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(servers.VENV_BIN / "celery"), "-A", "tasks", "worker", "--loglevel=INFO", "--concurrency=2",
             "-n", f"second-{os.getpid()}@%h", "--without-gossip", "--without-mingle"],
            cwd=servers.ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_for_log(r"celery@\S+ ready\.|second-\S+ ready\.", timeout)
        return self


def _client(url: str) -> support.Client:
    session = requests.Session()

    def send(method, path, json, headers):
        resp = session.request(method, url + path, json=json, headers=headers, timeout=60)
        try:
            return resp.status_code, resp.json()
        except ValueError:
            return resp.status_code, None

    return support.Client(send)


def _lifecycle(c: support.Client, item_id: int, answers: list) -> int:
    """create → submit → department head → logistics; each answer's status is kept."""
    def keep(result):
        answers.append(result[0])
        assert result[0] in (200, 201), result
        return result[1]

    req = keep(c.post("staff1", "/api/v1/supply-requests", {
        "purpose": "Meeting-room air conditioner", "lines": [{"item_id": item_id, "quantity": "2"}]}))
    req = keep(c.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": req["version"]}))
    req = keep(c.post("head1", f"/api/v1/supply-requests/{req['id']}/actions/approve", {"version": req["version"]}))
    req = keep(c.post("logistics", f"/api/v1/supply-requests/{req['id']}/actions/approve",
                      {"version": req["version"]}))
    assert req["status"] == "approved", req
    return req["id"]


def test_two_web_servers_and_two_workers_run_lifecycles_and_notifications_without_errors_or_duplicates(
        request, pg_url, redis_server, tmp_path, monkeypatch, record):  # noqa: F811 - fixture from test_notifications
    for name in ("REDIS_URL", "SMTP_URL", "BASE_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    smtp = servers.SmtpSink().start()
    request.addfinalizer(smtp.stop)
    env = {"DATABASE_URL": pg_url, "REDIS_URL": redis_server.url, "SMTP_URL": smtp.url, "BASE_URL": BASE_URL,
           "SECRET_KEY": "scale-out-test-secret-key-0123456789", "DB_POOL_SIZE": "4", "DB_MAX_OVERFLOW": "4",
           # Scale, not the per-person limit, is measured here (the limits have tests of their own).
           "ACTION_RATE_LIMIT": "100000 per minute"}
    app = support.make_app(pg_url)
    request.addfinalizer(app.extensions["jieyue"].engine.dispose)
    with app.extensions["jieyue"].engine.begin() as conn:  # room in every budget for the whole run
        conn.execute(text("UPDATE budgets SET amount = 100000000"))

    webs = []
    for _ in range(2):
        web = Gunicorn(tmp_path, env)
        request.addfinalizer(web.stop)  # before waiting, so a server that never answers is stopped too
        webs.append(web.wait_ready())
    workers = [servers.CeleryWorker(tmp_path / "worker-a", env), PlainWorker(tmp_path / "worker-b", env)]
    for worker in workers:
        request.addfinalizer(worker.stop)
        worker.start()

    # Each client is its own set of people with tokens of their own (issued in the database, not
    # through the login endpoint and its limit of 10 per minute per address): the action limits
    # stay on, as in production, and count per credential.
    clients = []
    for i in range(CLIENTS):
        c = _client(webs[i % 2].url)
        for user in ("staff1", "head1", "logistics", "admin"):
            c._tokens[user] = accounts.issue_token(user, support.PASSWORD, f"scale-out {i}", 1,
                                                   app.extensions["jieyue"].uow())[0]
        clients.append(c)
    item_id = clients[0].item_id("APP-AC-1")
    answers: list[int] = []
    done: list[int] = []
    failures: list[str] = []

    def run(c):
        try:
            for _ in range(LIFECYCLES_PER_CLIENT):
                done.append(_lifecycle(c, item_id, answers))
        except AssertionError as exc:  # kept, so the test reports every failure, not the first thread's
            failures.append(str(exc)[:300])

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    took = time.monotonic() - started
    assert not failures, failures
    assert len(done) == CLIENTS * LIFECYCLES_PER_CLIENT and len(set(done)) == len(done)

    runtime = app.extensions["jieyue"]

    def settled():
        with runtime.uow() as uow:
            s = uow.session
            unpublished = s.scalar(select(func.count()).select_from(OutboxEvent)
                                   .where(OutboxEvent.published_at.is_(None)))
            unplanned = s.scalar(select(func.count()).select_from(OutboxEvent)
                                 .where(OutboxEvent.planned_at.is_(None)))
            pending = s.scalar(select(func.count()).select_from(Message).where(Message.status != "sent"))
            return unpublished == 0 and unplanned == 0 and pending == 0

    servers.wait_until(settled, 120, 0.5, "every outbox event published, planned and its messages sent")
    time.sleep(3)  # a duplicate delivery would arrive now, after the counts settled

    with runtime.uow() as uow:
        s = uow.session
        statuses = collections.Counter(s.execute(text(
            "SELECT status FROM supply_requests WHERE id = ANY(:ids)"), {"ids": done}).scalars())
        audit = collections.Counter(s.execute(
            select(AuditEvent.action).where(AuditEvent.entity_type == "supply_request",
                                            AuditEvent.entity_id.in_(done))).scalars())
        events = s.scalar(select(func.count()).select_from(OutboxEvent))
        sent = s.scalar(select(func.count()).select_from(Message).where(Message.status == "sent"))
        email_messages = s.scalar(select(func.count()).select_from(Message).where(
            Message.status == "sent", Message.channel == "email"))
    mails = smtp.snapshot()
    mail_ids = [str(m["Message-ID"]) for m in mails]
    duplicates = len(mail_ids) - len(set(mail_ids))
    per_web = [sum(w.served_by().values()) for w in webs]
    per_process = sum(len(w.served_by()) for w in webs)
    per_worker = [len([line for line in w.log().splitlines() if "succeeded in" in line]) for w in workers]

    n = len(done)
    assert statuses == {"approved": n}
    assert audit == {"create": n, "submit": n, "approve": 2 * n}, audit
    assert set(answers) <= {200, 201} and len(answers) == 4 * n
    assert duplicates == 0
    assert len(mails) == email_messages > 0, (len(mails), email_messages)
    assert all(count > 0 for count in per_web), per_web
    assert all(count > 0 for count in per_worker), per_worker
    record("9.6", "two gunicorn servers x 2 processes, two Celery workers, one PostgreSQL and Redis",
           f"{n} lifecycles ({len(answers)} answers, all 2xx) in {took:.1f} s over {per_web} requests per server "
           f"({per_process} processes); {events} outbox events, {sent} messages sent, {len(mails)} e-mails, "
           f"{duplicates} duplicates; tasks per worker {per_worker}")
