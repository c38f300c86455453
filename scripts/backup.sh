#!/usr/bin/env bash
# A consistent backup of DATABASE_URL: pg_dump -Fc into FILE (default $BACKUP_DIR or backups/, jieyue-<time>.dump) and its row counts.
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python; [ -x "$python" ] || python=python3
exec "$python" scripts/pg_backup.py backup "$@"
