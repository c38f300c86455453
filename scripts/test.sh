#!/usr/bin/env bash
# Install what the tests need and run the whole suite: unit on SQLite, integration on PostgreSQL,
# Redis and a real Celery worker, e2e in headless Chromium.
# PostgreSQL is read from TEST_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
# JIEYUE_REQUIRE_SERVICES=1 turns a missing service into a failure instead of a skip (CI sets it).
set -euo pipefail
# The browser tests drive Debian's Chromium (Playwright's own download does not work offline).
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
. "$(dirname "$0")/venv.sh" test
exec .venv/bin/pytest "$@"
