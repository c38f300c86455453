"""Fixtures: a fresh seeded SQLite database per test; PostgreSQL ones live in tests/integration."""
from __future__ import annotations

import pytest

from tests import support


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
