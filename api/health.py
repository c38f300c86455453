"""Health probes: `/healthz` (the process answers) and `/readyz` (database, Redis and migrations ready)."""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.pool import NullPool

from workflow.kernel.db import make_engine

# A probe answers within seconds or the orchestrator's own timeout decides for it.
TIMEOUT_SECONDS = 2
MIGRATIONS = Path(__file__).resolve().parent.parent / "workflow" / "migrations"

blp = Blueprint("health", __name__)


@lru_cache(maxsize=1)
def migration_heads() -> frozenset[str]:
    """The head revision(s) of workflow/migrations; the files do not change while the process runs."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


def probe_engine(url: str):
    """A connection per probe (no pool): it tests the database, not a connection kept from before."""
    timeout = {"timeout": TIMEOUT_SECONDS, "check_same_thread": False} if url.startswith("sqlite") else {
        "connect_timeout": TIMEOUT_SECONDS}
    return make_engine(url, poolclass=NullPool, connect_args=timeout)


def check_database(engine) -> tuple[dict, dict]:
    """(database check, migrations check); reads the Alembic revision in the same connection."""
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SET statement_timeout = {TIMEOUT_SECONDS * 1000}")
            conn.execute(text("SELECT 1"))
            try:
                found = frozenset(conn.scalars(text("SELECT version_num FROM alembic_version")))
            except Exception:  # noqa: BLE001 - no table: never migrated
                found = frozenset()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        _detail("database", exc)
        return {"ok": False, "error": "unreachable"}, {"ok": False, "error": "database unreachable"}
    heads = migration_heads()
    migrations = {"ok": found == heads, "database": sorted(found), "head": sorted(heads)}
    if not migrations["ok"]:
        migrations["error"] = "the database is not at the migrations' head: run `alembic upgrade head`"
    return {"ok": True}, migrations


def check_redis(url: str) -> dict:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)
    try:
        client.ping()
        return {"ok": True}
    except Exception as exc:  # noqa: BLE001
        _detail("redis", exc)
        return {"ok": False, "error": "unreachable"}
    finally:
        client.close()


def _detail(check: str, exc: Exception) -> None:
    # The probe is public: the reason goes to the log, not to whoever asks.
    logging.getLogger("jieyue.health").warning("readiness check %s failed: %s", check, str(exc).splitlines()[0][:300])


@blp.get("/healthz")
def healthz():
    # Touches nothing: a slow database must not get a live process restarted.
    return jsonify(status="ok")


@blp.get("/readyz")
def readyz():
    runtime = current_app.extensions["jieyue"]
    engine = current_app.extensions.get("jieyue.probe_engine")
    if engine is None:
        engine = current_app.extensions["jieyue.probe_engine"] = probe_engine(runtime.settings.database_url)
    checks = {}
    checks["database"], checks["migrations"] = check_database(engine)
    if runtime.settings.redis_url:
        checks["redis"] = check_redis(runtime.settings.redis_url)
    failed = [name for name, check in checks.items() if not check["ok"]]
    body = {"status": "unavailable" if failed else "ready", "checks": checks}
    if failed:
        body["failed"] = failed
    return jsonify(body), 503 if failed else 200
