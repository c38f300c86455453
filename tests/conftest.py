"""Fixtures of every layer: the office's clock, a fresh seeded SQLite database per test, the figures a test records.

PostgreSQL's live in tests/integration, the web pages' in tests/http, the services' in tests/services.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import select
import threading
import time
from zoneinfo import ZoneInfo

import pytest

from tests import support
from workflow.kernel import clock as office_clock
from workflow.kernel.clock import Clock

OFFICE_TZ = ZoneInfo("Asia/Shanghai")
# Every test runs on the office's clock, started at an ordinary working morning (a Wednesday in
# December, no holiday within a week either way, after the report tests' quarters), never at
# whatever day the suite happens to run on. A test that needs another day asks for `clock_at`.
OFFICE_NOW = dt.datetime(2026, 12, 9, 10, 0, tzinfo=OFFICE_TZ)
_system_clock = office_clock.current()
_figures_lock = threading.Lock()  # lines appended from several threads stay whole

if "faketime" in os.environ.get("LD_PRELOAD", ""):
    # .ci/run runs the unit, services and http tests under libfaketime with the monotonic clock
    # left real; there, libfaketime 0.9.10 answers EINVAL to the absolute monotonic clock_nanosleep
    # behind Python 3.11's time.sleep. select()'s relative timeout is not intercepted and sleeps the same.
    time.sleep = lambda seconds: select.select([], [], [], seconds)


def pytest_configure(config):
    """Start the office's clock before collection: parametrize tables compute dates too.

    Child processes (a Celery worker, a relay) get the same clock through JIEYUE_CLOCK.
    """
    office_clock.install(Clock.starting_at(OFFICE_NOW))


def pytest_unconfigure(config):
    office_clock.install(_system_clock)


@pytest.fixture(scope="session")
def office_now():
    return OFFICE_NOW


@pytest.fixture
def clock_at():
    """`clock_at(moment)` restarts the office's clock at `moment` for this test; undone afterwards."""
    saved = office_clock.current()

    def set_clock(moment: dt.datetime) -> dt.datetime:
        office_clock.install(Clock.starting_at(moment))
        return moment

    yield set_clock
    office_clock.install(saved)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    return support.sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def app(sqlite_template, tmp_path):
    app = support.make_app(support.sqlite_copy(sqlite_template, tmp_path))
    yield app
    app.extensions["jieyue"].engine.dispose()


@pytest.fixture
def client(app):
    return support.inprocess_client(app)


@pytest.fixture
def runtime(app):
    return app.extensions["jieyue"]


@pytest.fixture
def record(request):
    """`record("6", "PostgreSQL restarted under load", "412 answered 2xx, 412 in the database")`.

    Prints one measured figure (pytest -s shows it) and, when JIEYUE_FIGURES names a file, appends it as
    a JSON line with this test's id: `scripts/reliability.sh` sets it and writes RELIABILITY.md from the
    lines. `point` is the issue's point number ("1".."8").
    """
    def record_figure(point: str, name: str, figure: str) -> None:
        print(f"\n[{point}] {name}: {figure}")
        path = os.environ.get("JIEYUE_FIGURES")
        if not path:
            return
        line = json.dumps({"point": point, "name": name, "figure": figure, "test": request.node.nodeid,
                           "at": time.strftime("%Y-%m-%d %H:%M:%S")}, ensure_ascii=False)
        with _figures_lock, open(path, "a", encoding="utf-8") as out:
            out.write(line + "\n")

    return record_figure
