#!/usr/bin/env bash
# The restore drill (docs/OPERATIONS.md): restore a backup into a fresh database, compare its row counts
# with the backup's, run audit-verify on it, drop it. Without FILE, takes a backup of DATABASE_URL first.
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python; [ -x "$python" ] || python=python3
if [ "$#" -eq 0 ]; then
  file="${BACKUP_DIR:-backups}/jieyue-drill-$(date +%Y%m%d-%H%M%S).dump"
  "$python" scripts/pg_backup.py backup "$file"
  set -- "$file"
fi
exec "$python" scripts/pg_backup.py drill "$1"
