"""Services called on a unit of work, without the web app: on a seeded SQLite copy, or an empty in-memory one.

`runtime` is built here from the settings alone (tests/support.py's `make_runtime`), not taken from a
Flask app as in tests/http, so nothing in this layer goes through `api/`. A test whose service needs no
seeded office asks for `memory_runtime` instead: every table, no row, no file, no migration.
"""
from __future__ import annotations

import pytest
from sqlalchemy.pool import StaticPool

from tests import support
from workflow.kernel.db import make_engine
from workflow.kernel.settings import Settings
from workflow.models import metadata
from workflow.runtime.process import Runtime


@pytest.fixture
def runtime(sqlite_template, tmp_path):
    runtime = support.make_runtime(support.sqlite_copy(sqlite_template, tmp_path))
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def memory_runtime():
    # One shared connection: each new connection to "sqlite://" would open its own empty database.
    engine = make_engine("sqlite://", poolclass=StaticPool)
    metadata.create_all(engine)
    runtime = Runtime(Settings.from_env(database_url="sqlite://"), engine=engine)
    yield runtime
    engine.dispose()
