"""Backups of Jieyue's PostgreSQL database and the restore drill (docs/OPERATIONS.md).

    python scripts/pg_backup.py backup [FILE]   pg_dump -Fc of DATABASE_URL (default FILE in BACKUP_DIR),
                                                and FILE.counts.json beside it
    python scripts/pg_backup.py drill FILE      restore FILE into a fresh database, compare the row counts
                                                with FILE.counts.json, run `flask --app wsgi audit-verify`
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent


def backup_dir() -> Path:
    return Path(os.environ.get("BACKUP_DIR") or ROOT / "backups")


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL Jieyue reads (postgresql+psycopg://) as pg_dump and psycopg take it."""
    scheme, rest = url.split("://", 1)
    if not scheme.startswith("postgresql"):
        raise SystemExit(f"DATABASE_URL must name a PostgreSQL database, not {scheme}://")
    return "postgresql://" + rest


def with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")


def row_counts(conn) -> dict[str, int]:
    tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").fetchall()
    return {t: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0]
            for (t,) in tables}


def backup(url: str, path: Path) -> dict[str, int]:
    """Dump and count in one snapshot, so the counts are exactly what the file holds, even under load."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(url) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        subprocess.run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={path}", f"--dbname={url}"],
                       check=True)
        counts = row_counts(conn)
    Path(f"{path}.counts.json").write_text(json.dumps(counts, indent=1, sort_keys=True) + "\n")
    print(f"backup {path}: {len(counts)} tables, {sum(counts.values())} rows ({path.stat().st_size} bytes)")
    return counts


def _admin(url: str, statement: sql.Composable) -> None:
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(statement)


def drill(url: str, path: Path, name: str, keep: bool) -> int:
    """Restore into database `name` on the same server; 0 when counts match and every audit chain holds."""
    expected = json.loads(Path(f"{path}.counts.json").read_text())
    target = with_database(url, name)
    _admin(url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        subprocess.run(["pg_restore", "--exit-on-error", "--no-owner", "--no-acl", f"--dbname={target}", str(path)],
                       check=True)
        with psycopg.connect(target) as conn:
            restored = row_counts(conn)
        differ = {t: (expected.get(t), restored.get(t)) for t in sorted(set(expected) | set(restored))
                  if expected.get(t) != restored.get(t)}
        for table, (before, after) in differ.items():
            print(f"row count differs: {table}: backup {before}, restored {after}", file=sys.stderr)
        print(f"restored {name}: {len(restored)} tables, {sum(restored.values())} rows, "
              f"{len(differ)} table(s) differ from the backup's counts")
        # Jieyue's own check, run against the restored copy exactly as an operator would.
        env = {**os.environ, "DATABASE_URL": "postgresql+psycopg://" + target.split("://", 1)[1]}
        verify = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "audit-verify"], cwd=ROOT, env=env)
        print(f"audit-verify on the restored database: exit {verify.returncode}")
        return 0 if not differ and verify.returncode == 0 else 1
    finally:
        if not keep:
            _admin(url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("backup", "drill") or (argv[0] == "drill" and len(argv) != 2):
        print(__doc__, file=sys.stderr)
        return 2
    if not os.environ.get("DATABASE_URL"):
        print("DATABASE_URL must name the PostgreSQL database to back up", file=sys.stderr)
        return 2
    url = libpq_url(os.environ["DATABASE_URL"])
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    if argv[0] == "backup":
        backup(url, Path(argv[1]) if len(argv) > 1 else backup_dir() / f"jieyue-{stamp}.dump")
        return 0
    name = os.environ.get("DRILL_DATABASE") or f"{url.rsplit('/', 1)[1].split('?')[0]}_drill_{stamp.replace('-', '_')}"
    return drill(url, Path(argv[1]), name, keep=os.environ.get("KEEP_DRILL_DATABASE") == "1")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
