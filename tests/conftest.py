"""Fixtures: the office's clock, a fresh seeded SQLite database per test; PostgreSQL ones live in tests/integration."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests import support
from workflow import clock as office_clock
from workflow.clock import Clock

OFFICE_TZ = ZoneInfo("Asia/Shanghai")
# Every test runs on the office's clock, started at an ordinary working morning (a Wednesday in
# June, no holiday within a week either way), never at whatever day the suite happens to run on.
# A test that needs another day asks for `clock_at`.
OFFICE_NOW = dt.datetime(2026, 6, 10, 10, 0, tzinfo=OFFICE_TZ)


@pytest.fixture(scope="session", autouse=True)
def office_now():
    """The office's clock for the whole session (child processes get it through JIEYUE_CLOCK)."""
    previous = office_clock.install(Clock.starting_at(OFFICE_NOW))
    yield OFFICE_NOW
    office_clock.install(previous)


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
