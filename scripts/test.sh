#!/usr/bin/env bash
# Install what the tests need and run the whole suite (unit on SQLite, integration on PostgreSQL).
# PostgreSQL is read from TEST_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
# JIEYUE_REQUIRE_SERVICES=1 turns a missing service into a failure instead of a skip (CI sets it).
set -euo pipefail
. "$(dirname "$0")/venv.sh" test
exec .venv/bin/pytest "$@"
