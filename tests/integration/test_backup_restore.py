"""The backup and restore drill of docs/OPERATIONS.md, run by its scripts on a PostgreSQL database with history."""
from __future__ import annotations

import json
import os
import subprocess
import uuid

import pytest

from tests import support
from tests.integration import pg_schema


@pytest.fixture
def drill_name():
    name = f"jieyue_drill_{uuid.uuid4().hex[:10]}"
    yield name
    pg_schema.drop_database(name)


def _script(name: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env}
    environment.pop("JIEYUE_ENV", None)
    return subprocess.run(["bash", str(support.ROOT / "scripts" / name), *args], env=environment,
                          capture_output=True, text=True, timeout=300)


def test_restore_drill_restores_every_row_and_the_audit_chains_verify(pg_url, tmp_path, drill_name, record):
    pg_schema.add_workflow_activity(pg_url)
    source = pg_schema.row_counts(pg_url)
    dump = tmp_path / "jieyue.dump"

    backup = _script("backup.sh", str(dump), DATABASE_URL=pg_url)
    assert backup.returncode == 0, backup.stderr
    manifest = json.loads((tmp_path / "jieyue.dump.counts.json").read_text())
    assert manifest == source

    drill = _script("restore-drill.sh", str(dump), DATABASE_URL=pg_url, DRILL_DATABASE=drill_name,
                    KEEP_DRILL_DATABASE="1")
    assert drill.returncode == 0, drill.stdout + drill.stderr
    assert "0 table(s) differ" in drill.stdout and "every chain intact" in drill.stdout
    restored = pg_schema.row_counts(support.pg_url(drill_name))
    assert restored == source
    assert source["audit_events"] > 0 and source["purchase_orders"] > 0
    verified = next(line for line in drill.stdout.splitlines() if "audit events verified" in line)
    record("7", "Backup and restore drill",
           f"pg_dump -Fc {dump.stat().st_size} bytes; restored {len(restored)} tables, {sum(restored.values())} rows, "
           f"every table's count equal ({source['audit_events']} audit events); audit-verify exit 0: {verified}")


def test_restore_drill_fails_and_names_the_table_when_a_count_differs(pg_url, tmp_path):
    dump = tmp_path / "jieyue.dump"
    assert _script("backup.sh", str(dump), DATABASE_URL=pg_url).returncode == 0
    counts_file = tmp_path / "jieyue.dump.counts.json"
    counts = json.loads(counts_file.read_text())
    counts["audit_events"] += 1  # the backup claims a row the restore does not have
    counts_file.write_text(json.dumps(counts))

    drill = _script("restore-drill.sh", str(dump), DATABASE_URL=pg_url)
    assert drill.returncode == 1, drill.stdout + drill.stderr
    assert f"row count differs: audit_events: backup {counts['audit_events']}, restored {counts['audit_events'] - 1}" \
        in drill.stderr


def test_restore_drill_without_a_file_backs_up_first_and_drops_its_database(pg_url, tmp_path):
    drill = _script("restore-drill.sh", DATABASE_URL=pg_url, BACKUP_DIR=str(tmp_path))
    assert drill.returncode == 0, drill.stdout + drill.stderr
    dumps = list(tmp_path.glob("jieyue-drill-*.dump"))
    assert len(dumps) == 1 and dumps[0].with_name(dumps[0].name + ".counts.json").exists()
    prefix = pg_url.rsplit("/", 1)[1] + "_drill_"
    left = pg_schema.rows(support.pg_url("postgres"), f"SELECT datname FROM pg_database WHERE datname LIKE '{prefix}%'")
    assert left == []
