"""Alembic on PostgreSQL: every revision up and down step by step, and upgrades of a database with data in it.

The revisions are read from Alembic's ScriptDirectory, so a new migration is walked without touching this file.
"""
from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, insert, select, text

from tests import support
from tests.integration import pg_schema
from workflow.kernel.db import make_engine


def _revisions() -> list[str]:
    """base → head, one line of history (a branch would need a merge revision first)."""
    script = ScriptDirectory.from_config(pg_schema.alembic_config("postgresql://unused"))
    assert len(script.get_heads()) == 1, f"more than one head: {script.get_heads()}"
    return [rev.revision for rev in reversed(list(script.walk_revisions("base", "heads")))]


@pytest.fixture
def empty_url():
    yield from pg_schema.fresh_database("jieyue_mig")


def _usable(url: str) -> int:
    """The upgraded database serves the workflow: a request submitted and approved; its id."""
    app = support.make_app(url)
    try:
        c = support.inprocess_client(app)
        status, req = c.post("staff1", "/api/v1/supply-requests", {
            "purpose": "After the upgrade", "lines": [{"item_id": c.item_id("STA-PEN-G"), "quantity": "3"}]})
        assert status == 201, req
        status, req = c.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 1})
        assert status == 200 and req["status"] == "dept_review", req
        status, req = c.post("head1", f"/api/v1/supply-requests/{req['id']}/actions/approve", {"version": req["version"]})
        assert status == 200, req
        return req["id"]
    finally:
        app.extensions["jieyue"].engine.dispose()


def _record_usable_and_verified(record, url: str, name: str, kept: dict[str, int]) -> None:
    """After the migrations: the workflow runs on the data and every audit chain still verifies."""
    new_id = _usable(url)
    code, output = pg_schema.audit_verify(url)
    assert code == 0, output
    record("7", name, f"{sum(kept.values())} rows in {len(kept)} tables kept; request {new_id} submitted and "
                      f"approved after; audit-verify: {output.strip()}")


def test_every_revision_goes_up_and_down_step_by_step_and_leaves_nothing_behind(empty_url, record):
    revisions = _revisions()
    cfg = pg_schema.alembic_config(empty_url)
    snapshots = {"base": pg_schema.schema(empty_url)}
    for rev in revisions:
        command.upgrade(cfg, rev)
        snapshots[rev] = pg_schema.schema(empty_url)
        assert snapshots[rev] != snapshots[(["base"] + revisions)[revisions.index(rev)]], f"{rev} changed nothing"
    for rev, below in zip(reversed(revisions), reversed(["base"] + revisions[:-1]), strict=True):
        command.downgrade(cfg, below)
        left = pg_schema.schema_difference(snapshots[below], pg_schema.schema(empty_url))
        assert not left, f"downgrade of {rev} to {below} left or lost: {left}"
    command.upgrade(cfg, "head")
    again = pg_schema.schema(empty_url)
    assert not pg_schema.schema_difference(snapshots[revisions[-1]], again), "up-down-up differs from up"
    head = snapshots[revisions[-1]]
    record("7", "Alembic up and down step by step on PostgreSQL",
           f"{len(revisions)} revisions ({revisions[0]}..{revisions[-1]}) up, down to base and up again: "
           f"{len(head['tables'])} tables, {len(head['indexes'])} indexes, {len(head['constraints'])} constraints, "
           f"{len(head['triggers'])} trigger(s) identical; no downgrade left anything of its revision")


def _copy_rows(source_url: str, target_url: str) -> None:
    """Every row of the tables the target has, in the columns it has (the older schema's subset)."""
    source, target = make_engine(source_url), make_engine(target_url)
    try:
        src_meta, dst_meta = MetaData(), MetaData()
        src_meta.reflect(source)
        dst_meta.reflect(target)
        with source.connect() as read, target.begin() as write:
            # Replica role: no foreign-key order to follow and no trigger fires while copying as-is.
            write.execute(text("SET LOCAL session_replication_role = replica"))
            for name, table in dst_meta.tables.items():
                if name == "alembic_version" or name not in src_meta.tables:
                    continue
                columns = [c.name for c in table.columns if c.name in src_meta.tables[name].columns]
                rows = read.execute(select(*(src_meta.tables[name].c[c] for c in columns))).mappings().all()
                if rows:
                    write.execute(insert(table), [dict(r) for r in rows])
            # Rows came with their ids: move each sequence past them, as a real database would be.
            for table, column in write.execute(text(
                    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
                    "AND (column_default LIKE 'nextval%' OR is_identity = 'YES')")).all():
                write.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
                                   f"coalesce((SELECT max(\"{column}\") FROM \"{table}\"), 0) + 1, false)"))
    finally:
        source.dispose()
        target.dispose()


def test_upgrade_from_the_previous_revision_keeps_its_data_usable(pg_url, empty_url, record):
    revisions = _revisions()
    previous, head = revisions[-2], revisions[-1]
    pg_schema.add_workflow_activity(pg_url)
    command.upgrade(pg_schema.alembic_config(empty_url), previous)
    _copy_rows(pg_url, empty_url)
    before = pg_schema.row_counts(empty_url)
    assert before["audit_events"] > 0 and before["supply_requests"] > 0

    command.upgrade(pg_schema.alembic_config(empty_url), head)
    after = pg_schema.row_counts(empty_url)
    assert {t: after[t] for t in before} == before
    _record_usable_and_verified(record, empty_url, f"Upgrade {previous} -> {head} with data", before)


def test_head_down_one_and_up_again_keeps_the_data(pg_url, record):
    revisions = _revisions()
    pg_schema.add_workflow_activity(pg_url)
    cfg = pg_schema.alembic_config(pg_url)
    before = pg_schema.row_counts(pg_url)
    command.downgrade(cfg, "-1")
    kept = pg_schema.row_counts(pg_url)
    # The tables the head revision did not create keep every row through its downgrade and upgrade.
    assert {t: before[t] for t in kept} == kept
    command.upgrade(cfg, "head")
    after = pg_schema.row_counts(pg_url)
    assert {t: after[t] for t in kept} == kept and set(after) == set(before)
    _record_usable_and_verified(record, pg_url, f"head {revisions[-1]} -> -1 -> head with data", kept)
