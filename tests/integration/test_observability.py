"""Health, metrics and logs against the real parts: PostgreSQL, redis-server, a Celery worker, gunicorn."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
import requests
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from tests import support
from tests.http.observability import APPROVE_ROUTE, json_lines, samples, submitted_request, value
from tests.integration.servers import ROOT, VENV_BIN, CeleryWorker, RedisServer, free_port, wait_until

SECRET = "integration-secret-key-never-logged-0123456789abcdef"


def _alembic(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "workflow" / "migrations"))
    cfg.attributes["database_url"] = url
    return cfg


@pytest.fixture
def older_database(pg_template):
    """A fresh database migrated to the revision just before head."""
    name = f"jieyue_old_{uuid.uuid4().hex[:10]}"
    support.pg_admin(f"CREATE DATABASE {name}")
    url = support.pg_url(name)
    cfg = _alembic(url)
    script = ScriptDirectory.from_config(cfg)
    previous = script.get_revision(script.get_current_head()).down_revision
    command.upgrade(cfg, previous)
    yield url, cfg, previous
    support.pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_readyz_is_503_naming_migrations_until_the_database_reaches_head(older_database, record):
    url, cfg, previous = older_database
    app = support.make_app(url)
    try:
        flask_client = app.test_client()
        response = flask_client.get("/readyz")
        body = response.get_json()
        assert response.status_code == 503 and body["failed"] == ["migrations"], body
        assert body["checks"]["migrations"]["database"] == [previous]
        assert body["checks"]["database"] == {"ok": True}
        assert flask_client.get("/healthz").status_code == 200  # alive, only not ready
        command.upgrade(cfg, "head")
        assert flask_client.get("/readyz").status_code == 200
        record("2", "readyz on a database one revision behind", f"503 failed={body['failed']}, 200 after upgrade")
    finally:
        app.extensions["jieyue"].engine.dispose()


def test_readyz_is_503_naming_redis_on_a_closed_port_and_200_with_a_real_one(pg_url, tmp_path):
    closed = support.make_app(pg_url, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    redis_server = RedisServer(tmp_path / "redis").start()
    working = support.make_app(pg_url, REDIS_URL=redis_server.url)
    try:
        response = closed.test_client().get("/readyz")
        assert response.status_code == 503 and response.get_json()["failed"] == ["redis"], response.get_json()
        response = working.test_client().get("/readyz")
        body = response.get_json()
        assert response.status_code == 200 and set(body["checks"]) == {"database", "migrations", "redis"}, body
    finally:
        redis_server.stop()
        for app in (closed, working):
            app.extensions["jieyue"].engine.dispose()


def _health(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tasks.health", "--timeout", "3", *args], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=60)


def test_worker_health_command_and_task_metrics_and_json_logs_with_a_real_worker(pg_url, tmp_path, record):
    redis_server = RedisServer(tmp_path / "redis").start()
    metrics_dir, port = tmp_path / "prom", free_port()
    metrics_dir.mkdir()
    env = {"REDIS_URL": redis_server.url, "DATABASE_URL": pg_url, "SECRET_KEY": SECRET, "LOG_FORMAT": "json",
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "WORKER_METRICS_PORT": str(port)}
    try:
        nobody = _health(env)
        assert nobody.returncode == 1 and "no worker answered" in nobody.stderr, nobody
        worker = CeleryWorker(tmp_path / "worker", env).start()
        try:
            answered = _health(env)
            assert answered.returncode == 0 and "celery@" in answered.stdout, answered
            assert _health(env, "--this-host").returncode == 0
            other = _health(env, "--node", "celery@another-host")
            assert other.returncode == 1 and "celery@another-host" in other.stderr

            from celery import Celery

            sender = Celery(broker=redis_server.url)
            sender.send_task("jieyue.remind_overdue")
            task = {"task": "jieyue.remind_overdue"}

            def scraped():
                found = samples(requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text)
                return found if value(found, "jieyue_celery_tasks_total", **task, state="succeeded") else None

            found = wait_until(scraped, 60, 0.5, "the worker's task counter")
            assert value(found, "jieyue_celery_tasks_total", **task, state="succeeded") == 1
            assert value(found, "jieyue_celery_tasks_total", **task, state="failed") == 0
            assert value(found, "jieyue_celery_task_duration_seconds_count", **task) == 1
            duration = value(found, "jieyue_celery_task_duration_seconds_sum", **task)
            assert duration > 0
            worker.wait_for_log(r"jieyue\.remind_overdue\[[0-9a-f-]+\] succeeded", 30)
            lines = [line for line in json_lines(worker.log(), strict=False) if line.get("task_name") == "jieyue.remind_overdue"]
            assert lines and all(line["task_id"] for line in lines)
            assert SECRET not in worker.log()
            record("3", "a real worker ran jieyue.remind_overdue",
                   f"tasks_total(succeeded) 1, duration {duration:.3f} s, {len(lines)} JSON lines with its task id")
        finally:
            worker.stop()
        gone = _health(env)
        assert gone.returncode == 1, gone
        record("2", "python -m tasks.health", f"no worker: exit {nobody.returncode} ({nobody.stderr.strip()}); "
               f"worker up: exit {answered.returncode} ({answered.stdout.strip()}); after stop: exit {gone.returncode}")
    finally:
        redis_server.stop()


@pytest.fixture
def gunicorn(pg_url, tmp_path):
    """Two gunicorn workers sharing one multiprocess directory, logging JSON to a file."""
    metrics_dir, port = tmp_path / "prom", free_port()
    metrics_dir.mkdir()
    log = open(tmp_path / "gunicorn.log", "wb")
    env = {**os.environ, "DATABASE_URL": pg_url, "SECRET_KEY": SECRET, "LOG_FORMAT": "json",
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen([str(VENV_BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"

    def up():
        try:
            return requests.get(url + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:  # not listening yet, or still booting its workers
            return proc.poll() is not None and pytest.fail((tmp_path / "gunicorn.log").read_text())

    try:
        wait_until(up, 60, 0.2, "gunicorn")
        yield url, metrics_dir, tmp_path / "gunicorn.log"
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(5)
        log.close()


def _http_client(url: str) -> support.Client:
    def send(method, path, json, headers):
        resp = requests.request(method, url + path, json=json, headers=headers, timeout=60)
        return resp.status_code, resp.json() if resp.content else None

    return support.Client(send)


def test_two_gunicorn_workers_add_up_to_exact_counts_and_log_json_without_secrets(gunicorn, record):
    url, metrics_dir, log_path = gunicorn
    c = _http_client(url)
    req = submitted_request(c)
    token = c.token("head1")
    before = samples(requests.get(url + "/metrics", timeout=10).text)
    for _ in range(20):  # spread over both workers
        assert requests.get(url + "/healthz", timeout=10).status_code == 200
    response = requests.post(f"{url}/api/v1/supply-requests/{req['id']}/actions/approve", json={"version": req["version"]},
                             headers={"Authorization": f"Bearer {token}", "X-Request-ID": "gunicorn-approve-1"},
                             timeout=30)
    assert response.status_code == 200 and response.headers["X-Request-ID"] == "gunicorn-approve-1"
    pids = {p.name.split("_")[-1] for p in metrics_dir.glob("counter_*.db")}
    # Whichever worker answers each scrape, the sums are the same.
    for _ in range(4):
        after = samples(requests.get(url + "/metrics", timeout=10).text)
        assert value(after, "jieyue_http_requests_total", method="GET", route="/healthz", status="200") - \
            value(before, "jieyue_http_requests_total", method="GET", route="/healthz", status="200") == 20
        assert value(after, "jieyue_http_requests_total", method="POST", route=APPROVE_ROUTE, status="200") - \
            value(before, "jieyue_http_requests_total", method="POST", route=APPROVE_ROUTE, status="200") == 1
        assert value(after, "jieyue_transitions_total", flow="supply", action="approve") - \
            value(before, "jieyue_transitions_total", flow="supply", action="approve") == 1
        assert value(after, "jieyue_queue_depth", role="procurement") == 1  # the approved line waits for the buyer
    assert len(pids) >= 2, pids  # both workers wrote counters
    text = log_path.read_text()
    lines = json_lines(text, strict=False)  # gunicorn's own lines ([INFO] Booting worker) are not the app's
    access = next(line for line in lines if line.get("request_id") == "gunicorn-approve-1")
    assert access["item"] == req["number"] and access["status"] == 200 and access["user_id"]
    for needle in (support.PASSWORD, token, SECRET):
        assert needle not in text
    record("3", "two gunicorn workers, one scrape", f"{len(pids)} processes wrote counters; /healthz +20, "
           f"approve +1, transitions(supply, approve) +1 on every scrape")
