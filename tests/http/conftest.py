"""The app in process: its JSON API and web pages through Flask's test client, its `flask` commands
through the CLI runner (they read their results back through the API), all on a seeded SQLite copy.

`app`, `client` and `runtime` come from tests/conftest.py (the browser tests use them too).
"""
from __future__ import annotations

import pytest

from api import create_app
from tests import support


@pytest.fixture
def csrf_app(sqlite_template, tmp_path):
    """The app with CSRF protection on, as in production (the plain `app` fixture turns it off)."""
    app = create_app({"DATABASE_URL": support.sqlite_copy(sqlite_template, tmp_path), "SKIP_DOTENV": True,
                      "WTF_CSRF_ENABLED": True})
    yield app
    app.extensions["jieyue"].engine.dispose()
