"""Fixtures shared by the unit tests of the web pages."""
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
