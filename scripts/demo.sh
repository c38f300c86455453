#!/usr/bin/env bash
# Jieyue with demo data on the embedded default (SQLite in instance/, tasks in-process) at http://127.0.0.1:5000.
set -euo pipefail
. "$(dirname "$0")/venv.sh"
.venv/bin/alembic upgrade head
.venv/bin/flask --app wsgi seed-demo --password "${DEMO_PASSWORD:-jieyue-demo}"
exec .venv/bin/flask --app wsgi run --host 127.0.0.1 --port 5000
