"""Browser tests: the app on a real HTTP server (seeded SQLite), driven by headless Chromium.

Chromium comes from Debian (`apt-get install chromium`); Playwright's own browser download does
not work here. Without Chromium these tests skip, except under JIEYUE_REQUIRE_SERVICES=1 (CI).
"""
from __future__ import annotations

import os
import shutil

import pytest

from tests import support

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("JIEYUE_REQUIRE_SERVICES") == "1"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        if REQUIRED:
            pytest.fail(f"Chromium is required (JIEYUE_REQUIRE_SERVICES=1) but {CHROMIUM} is missing")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(app):
    server = support.LiveServer(app)
    yield server
    server.stop()


@pytest.fixture
def open_as(browser, site):
    """open_as("staff1", locale="zh-CN", width=390) -> a logged-in page on the live site."""
    contexts = []

    def _open(user: str, locale: str = "en-US", width: int = 1280, height: int = 900):
        context = browser.new_context(locale=locale, viewport={"width": width, "height": height},
                                      accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(site.url + "/login")
        page.locator("#username").fill(user)
        page.locator("#password").fill(support.PASSWORD)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url("**/app/**")
        # Show the pages in the language asked for, whatever the user chose before.
        wanted = "zh" if locale.startswith("zh") else "en"
        if page.locator("#language").input_value() != wanted:
            page.locator("#language").select_option(wanted)
            page.locator("form:has(#language) button[type=submit]").click()
            page.wait_for_load_state()
        return page

    yield _open
    for context in contexts:
        context.close()
