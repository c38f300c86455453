"""PostgreSQL helpers for the migration and backup tests: fresh databases, schema snapshots, row counts, activity."""
from __future__ import annotations

import os
import uuid

import pytest
from alembic.config import Config
from sqlalchemy import text

from tests import support
from tests.http.lifecycle import run_full_lifecycle
from workflow.kernel.db import make_engine

# The schema as PostgreSQL's catalog describes it: what a migration creates and its downgrade must remove.
SCHEMA_QUERIES = {
    "tables": "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'",
    "columns": "SELECT table_name || '.' || column_name || ' ' || data_type || ' null=' || is_nullable || "
               "' default=' || coalesce(column_default, '') FROM information_schema.columns "
               "WHERE table_schema = 'public' AND table_name <> 'alembic_version'",
    "constraints": "SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(c.oid) "
                   "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
                   "WHERE n.nspname = 'public' AND conrelid::regclass::text <> 'alembic_version'",
    "indexes": "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'alembic_version'",
    "types": "SELECT t.typname || ' ' || t.typtype::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
             "WHERE n.nspname = 'public' AND (t.typtype IN ('e', 'd', 'r', 'm') OR (t.typtype = 'c' AND t.typrelid = 0))",
    "sequences": "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'",
    "triggers": "SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT t.tgisinternal",
    # Functions an extension brought are the extension's; ours are the ones no extension owns.
    "functions": "SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' FROM pg_proc p "
                 "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND NOT EXISTS "
                 "(SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')",
    "views": "SELECT viewname FROM pg_views WHERE schemaname = 'public'",
}


def require_postgres() -> None:
    """The rule of tests/integration/conftest.py: skip without PostgreSQL, fail when JIEYUE_REQUIRE_SERVICES=1."""
    why = support.pg_available()
    if why:
        if os.environ.get("JIEYUE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"PostgreSQL is required (JIEYUE_REQUIRE_SERVICES=1) but not reachable: {why}")
        pytest.skip(f"PostgreSQL not reachable: {why}")


def fresh_database(prefix: str):
    """For a fixture: the URL of an empty database of its own, dropped afterwards."""
    require_postgres()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    support.pg_admin(f"CREATE DATABASE {name}")
    try:
        yield support.pg_url(name)
    finally:
        drop_database(name)


def drop_database(name: str) -> None:
    support.pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def alembic_config(url: str) -> Config:
    cfg = Config(str(support.ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(support.ROOT / "workflow" / "migrations"))
    cfg.attributes["database_url"] = url
    return cfg


def rows(url: str, query: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(query)).all()
    finally:
        engine.dispose()


def schema(url: str) -> dict[str, frozenset[str]]:
    return {part: frozenset(row[0] for row in rows(url, query)) for part, query in SCHEMA_QUERIES.items()}


def schema_difference(before: dict, after: dict) -> dict[str, dict[str, list[str]]]:
    """What `after` has that `before` has not and the reverse, per part; empty when equal."""
    return {part: {"extra": sorted(after[part] - before[part]), "missing": sorted(before[part] - after[part])}
            for part in before if before[part] != after[part]}


def row_counts(url: str) -> dict[str, int]:
    tables = [t for (t,) in rows(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in sorted(tables)}
    finally:
        engine.dispose()


def add_workflow_activity(url: str) -> dict:
    """On a seeded database: one supply request through its whole life, so audit, outbox and orders have rows."""
    app = support.make_app(url)
    try:
        return run_full_lifecycle(support.inprocess_client(app))
    finally:
        app.extensions["jieyue"].engine.dispose()


def audit_verify(url: str):
    """`flask audit-verify` through the CLI runner: (exit code, output)."""
    app = support.make_app(url)
    try:
        result = app.test_cli_runner().invoke(args=["audit-verify"])
        return result.exit_code, result.output
    finally:
        app.extensions["jieyue"].engine.dispose()
