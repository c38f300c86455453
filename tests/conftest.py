"""Fixtures: the office's clock, a fresh seeded SQLite database per test; PostgreSQL ones live in tests/integration."""
from __future__ import annotations

import datetime as dt
import os
import select
import time
from zoneinfo import ZoneInfo

import pytest

from tests import support
from workflow import clock as office_clock
from workflow.clock import Clock

OFFICE_TZ = ZoneInfo("Asia/Shanghai")
# Every test runs on the office's clock, started at an ordinary working morning (a Wednesday in
# December, no holiday within a week either way, after the report tests' quarters), never at
# whatever day the suite happens to run on. A test that needs another day asks for `clock_at`.
OFFICE_NOW = dt.datetime(2026, 12, 9, 10, 0, tzinfo=OFFICE_TZ)
_system_clock = office_clock.current()

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
