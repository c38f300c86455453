"""PostgreSQL fixtures: a migrated, seeded template database, copied for each test.

Without PostgreSQL these tests skip, except when JIEYUE_REQUIRE_SERVICES=1 (CI), where a
missing service is a failure.
"""
from __future__ import annotations

import os
import uuid

import pytest

from tests import support

REQUIRED = os.environ.get("JIEYUE_REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def pg_template():
    why = support.pg_available()
    if why:
        if REQUIRED:
            pytest.fail(f"PostgreSQL is required (JIEYUE_REQUIRE_SERVICES=1) but not reachable: {why}")
        pytest.skip(f"PostgreSQL not reachable: {why}")
    name = f"jieyue_tpl_{os.getpid()}"
    support.pg_admin(f"DROP DATABASE IF EXISTS {name}")
    support.pg_admin(f"CREATE DATABASE {name}")
    support.migrate(support.pg_url(name))
    support.seed(support.pg_url(name))
    yield name
    support.pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_url(pg_template):
    name = f"jieyue_t_{uuid.uuid4().hex[:12]}"
    support.pg_admin(f"CREATE DATABASE {name} TEMPLATE {pg_template}")
    yield support.pg_url(name)
    support.pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_app(pg_url):
    app = support.make_app(pg_url)
    yield app
    app.extensions["jieyue"].engine.dispose()


@pytest.fixture
def live(pg_app):
    server = support.LiveServer(pg_app)
    yield server
    server.stop()


@pytest.fixture
def http(live):
    return live.client()
