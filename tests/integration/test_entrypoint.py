"""docker/entrypoint.sh outside Docker: migrate, web (real gunicorn) and worker (real Celery) against PostgreSQL."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from alembic.script import ScriptDirectory

from tests import support
from tests.integration import pg_schema
from tests.integration.servers import RedisServer, free_port, wait_until

ENTRYPOINT = support.ROOT / "docker" / "entrypoint.sh"
PRODUCTION = {"JIEYUE_ENV": "production", "SECRET_KEY": "s" * 48}


def _env(**values: str) -> dict[str, str]:
    # What the image gives a container: its venv first on PATH, nothing from the developer's shell.
    return {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8", **values}


def _stop(proc: subprocess.Popen, timeout: float) -> tuple[int, float]:
    """SIGTERM, as `docker stop` sends it; (exit code, seconds to exit)."""
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
        raise AssertionError(f"still running {timeout} s after SIGTERM") from None
    return code, time.monotonic() - started


def _command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


@pytest.fixture
def empty_url():
    yield from pg_schema.fresh_database("jieyue_ep")


def test_migrate_brings_a_fresh_database_to_head(empty_url):
    result = subprocess.run([str(ENTRYPOINT), "migrate"], env=_env(DATABASE_URL=empty_url, **PRODUCTION),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    head = ScriptDirectory.from_config(pg_schema.alembic_config(empty_url)).get_current_head()
    assert pg_schema.rows(empty_url, "SELECT version_num FROM alembic_version") == [(head,)]
    assert "audit_events" in pg_schema.schema(empty_url)["tables"]


def test_web_serves_through_gunicorn_and_stops_cleanly_on_sigterm(pg_url, tmp_path, record):
    port = free_port()
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    (metrics / "counter_12345.db").write_bytes(b"left by the last run")
    proc = subprocess.Popen([str(ENTRYPOINT), "web"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env(DATABASE_URL=pg_url, GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2",
                                     GUNICORN_THREADS="2", PROMETHEUS_MULTIPROC_DIR=str(metrics),
                                     **PRODUCTION))
    try:
        answer = wait_until(lambda: _get(f"http://127.0.0.1:{port}/healthz"), 60, 0.3, "gunicorn answering /healthz")
        assert answer.status_code == 200  # what the image's and compose's health checks ask
        assert _get(f"http://127.0.0.1:{port}/login").status_code == 200
        # Both workers wrote their metrics files to the directory the entrypoint emptied.
        assert wait_until(lambda: len(list(metrics.glob("*.db"))) >= 1, 10, 0.2, "metrics files")
        # exec: the entrypoint's own process became gunicorn's master, so the runtime's signals reach it.
        assert "gunicorn" in _command_line(proc.pid)
        assert not (metrics / "counter_12345.db").exists()
    finally:
        code, seconds = _stop(proc, 30)
    _, err = proc.communicate()
    assert code == 0, err[-3000:]
    assert "Handling signal: term" in err and "Shutting down: Master" in err
    record("1", "entrypoint.sh web", f"gunicorn (2 workers x 2 threads) answered /healthz and /login 200; SIGTERM: exit {code} "
           f"in {seconds:.1f} s")


def _get(url: str):
    try:
        return requests.get(url, timeout=2)
    except requests.RequestException:
        return None


def test_worker_runs_celery_and_stops_cleanly_on_sigterm(pg_url, tmp_path, record):
    redis = RedisServer(tmp_path / "redis").start()
    proc = subprocess.Popen([str(ENTRYPOINT), "worker"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=_env(DATABASE_URL=pg_url, REDIS_URL=redis.url, CELERY_CONCURRENCY="1", **PRODUCTION))
    lines: list[str] = []
    try:
        def ready():
            line = proc.stdout.readline()
            lines.append(line)
            return " ready." in line or proc.poll() is not None
        wait_until(ready, 90, 0, "celery worker ready")
        assert proc.poll() is None, "".join(lines)
        assert "celery" in _command_line(proc.pid)
        # compose's health check for the worker container, run as the container would run it.
        health = subprocess.run([str(ENTRYPOINT), "python", "-m", "tasks.health", "--this-host"], capture_output=True,
                                text=True, timeout=60, env=_env(DATABASE_URL=pg_url, REDIS_URL=redis.url, **PRODUCTION))
        assert health.returncode == 0, health.stdout + health.stderr
    finally:
        code, seconds = _stop(proc, 60)
        redis.stop()
    assert code == 0, "".join(lines) + proc.stdout.read()
    record("1", "entrypoint.sh worker", f"celery worker ready on a private Redis, tasks.health --this-host exit 0; SIGTERM: exit {code} in {seconds:.1f} s")


def test_entrypoint_gives_up_when_the_database_never_answers():
    started = time.monotonic()
    result = subprocess.run([str(ENTRYPOINT), "web"], capture_output=True, text=True, timeout=60,
                            env=_env(DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none",
                                     DB_WAIT_SECONDS="2", **PRODUCTION))
    assert result.returncode == 1
    assert "database not reachable after 2 s (DB_WAIT_SECONDS)" in result.stderr
    assert 2 <= time.monotonic() - started < 30


def test_entrypoint_refuses_production_with_the_default_secret_before_starting_anything(pg_url):
    result = subprocess.run([str(ENTRYPOINT), "web"], capture_output=True, text=True, timeout=60,
                            env=_env(DATABASE_URL=pg_url, JIEYUE_ENV="production"))
    assert result.returncode == 1
    assert "SECRET_KEY is the development default" in result.stderr
    assert "gunicorn" not in result.stderr.lower()


def test_any_other_command_runs_in_place_of_the_entrypoint():
    result = subprocess.run([str(ENTRYPOINT), "python", "-c", "import os; print(os.getcwd())"],
                            capture_output=True, text=True, timeout=60, env=_env())
    assert result.returncode == 0 and result.stdout.strip() == str(support.ROOT)
