"""Plumbing every test layer and the benchmarks share: migrated and seeded databases, the app and the
services' runtime built on one, API clients for in-process and real HTTP calls, the app on a live server.

It stays one module at the top because each layer builds on it (services and http on SQLite copies,
integration on PostgreSQL, e2e on a live server, the benchmarks on their own databases); what only one
layer uses lives in that layer's folder, and fixtures in its conftest.py.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from pathlib import Path

import requests
from alembic import command
from alembic.config import Config
from werkzeug.serving import make_server

from api import create_app
from workflow.demo import seed_demo
from workflow.kernel.db import make_engine
from workflow.kernel.settings import Settings
from workflow.runtime.process import Runtime

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "test-pass-2026"
PG_ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def migrate(url: str) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "workflow" / "migrations"))
    cfg.attributes["database_url"] = url
    command.upgrade(cfg, "head")


def make_app(url: str, **config):
    return create_app({"DATABASE_URL": url, "SKIP_DOTENV": True, "TESTING": True, **config})


def make_runtime(url: str, **settings) -> Runtime:
    """The services' runtime on `url` without the web app, set up as `create_app` sets up the app's."""
    runtime = Runtime(Settings.from_env(database_url=url, **settings))
    if not runtime.settings.redis_url:
        runtime.on_outbox = runtime.deliver_inline  # no broker: deliver in-process, as the embedded default does
    return runtime


def seed(url: str) -> None:
    runtime = make_runtime(url)
    seed_demo(runtime.uow, PASSWORD, runtime.uow().office_year(), supply_history=False)
    runtime.engine.dispose()


def sqlite_template(directory: Path) -> Path:
    path = directory / "template.db"
    url = f"sqlite:///{path}"
    migrate(url)
    seed(url)
    return path


def sqlite_copy(template: Path, directory: Path) -> str:
    # The backup API, not a file copy: the template may still hold pages in its WAL file.
    path = directory / f"{uuid.uuid4().hex}.db"
    with sqlite3.connect(template) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    return f"sqlite:///{path}"


def pg_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        engine = make_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return str(exc).splitlines()[0]


def pg_admin(sql: str) -> None:
    engine = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(sql)
    engine.dispose()


def pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


class Client:
    """Calls the API as a named demo user; `call` returns (status, json)."""

    def __init__(self, send):
        self._send = send
        self._tokens: dict[str, str] = {}

    def token(self, user: str) -> str:
        if user not in self._tokens:
            status, body = self._send("POST", "/api/v1/auth/tokens", {"username": user, "password": PASSWORD}, {})
            assert status == 201, body
            self._tokens[user] = body["token"]
        return self._tokens[user]

    def call(self, user: str | None, method: str, path: str, json=None, headers=None):
        headers = dict(headers or {})
        if user:
            headers["Authorization"] = f"Bearer {self.token(user)}"
        return self._send(method, path, json, headers)

    def get(self, user, path, **kw):
        return self.call(user, "GET", path, **kw)

    def post(self, user, path, json=None, **kw):
        return self.call(user, "POST", path, json=json, **kw)

    def patch(self, user, path, json=None, **kw):
        return self.call(user, "PATCH", path, json=json, **kw)

    def item_id(self, sku: str) -> int:
        status, items = self.get("admin", f"/api/v1/catalog/items?q={sku}")
        return next(i["id"] for i in items if i["sku"] == sku)


def inprocess_client(app) -> Client:
    flask_client = app.test_client()

    def send(method, path, json, headers):
        resp = flask_client.open(path, method=method, json=json, headers=headers)
        return resp.status_code, resp.get_json(silent=True)

    return Client(send)


class LiveServer:
    """The app on a real threaded HTTP server on 127.0.0.1 (a free port)."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.http = requests.Session()

    def client(self) -> Client:
        def send(method, path, json, headers):
            resp = requests.request(method, self.url + path, json=json, headers=headers, timeout=60)
            try:
                return resp.status_code, resp.json()
            except ValueError:
                return resp.status_code, None

        return Client(send)

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)
