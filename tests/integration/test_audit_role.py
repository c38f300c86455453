"""Audit rows cannot be changed by the application's own database role (issue 7, point 4).

The append-only trigger stops UPDATE and DELETE whoever asks, but a table owner can switch a
trigger off, and row triggers never see TRUNCATE. So in production the application connects
as a role that owns nothing and was never granted UPDATE, DELETE or TRUNCATE on audit_events
(docs/SECURITY.md). This test builds that role with the GRANTs the documentation gives, runs
the approval flow as it, and tries to rewrite history.
"""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests import support
from tests.support import inprocess_client
from workflow.kernel.db import make_engine


def grants(role: str, database: str) -> list[str]:
    """The statements of docs/SECURITY.md, for a database whose tables the migration role owns."""
    return [
        f"GRANT CONNECT ON DATABASE {database} TO {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]


@pytest.fixture
def app_role(pg_url):
    """A login role with only the application's privileges; dropped afterwards (roles are server-wide)."""
    role, password = f"jieyue_app_{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    database = pg_url.rsplit("/", 1)[1]
    support.pg_admin(f"CREATE ROLE {role} LOGIN PASSWORD '{password}' NOSUPERUSER NOCREATEDB NOCREATEROLE")
    admin = make_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for statement in grants(role, database):
                conn.exec_driver_sql(statement)
        host = pg_url.split("@", 1)[1]
        yield role, f"postgresql+psycopg://{role}:{password}@{host}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP OWNED BY {role}")  # its privileges in this database
        admin.dispose()
        support.pg_admin(f"DROP ROLE IF EXISTS {role}")


def _refused(engine, statement: str) -> str:
    """The server's refusal of `statement`, run in its own transaction; fails if it went through."""
    try:
        with engine.begin() as conn:
            conn.execute(text(statement))
    except DBAPIError as exc:
        return str(exc.orig).splitlines()[0]
    raise AssertionError(f"{statement!r} went through")


def test_the_application_role_writes_audit_rows_but_cannot_update_delete_or_truncate_them(app_role, pg_url, record):
    role, url = app_role
    app = support.make_app(url)
    engine = make_engine(url)
    try:
        c = inprocess_client(app)
        status, req = c.post("staff1", "/api/v1/supply-requests", {
            "purpose": "Pens", "lines": [{"item_id": c.item_id("STA-PEN-G"), "quantity": "5"}]})
        assert status == 201, req
        status, req = c.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 1})
        assert status == 200, req
        status, req = c.post("head1", f"/api/v1/supply-requests/{req['id']}/actions/approve",
                             {"version": req["version"]})
        assert status == 200, req  # the whole flow runs on these privileges, audit INSERTs included
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT current_user")) == role
            before = conn.execute(text("SELECT id, hash FROM audit_events ORDER BY id")).all()
            written = conn.scalar(text("SELECT count(*) FROM audit_events WHERE entity_type = 'supply_request' "
                                       "AND entity_id = :i"), {"i": req["id"]})
        refusals = {
            "UPDATE": _refused(engine, "UPDATE audit_events SET comment = 'approved by the director'"),
            "DELETE": _refused(engine, "DELETE FROM audit_events"),
            "TRUNCATE": _refused(engine, "TRUNCATE audit_events"),
            "DISABLE TRIGGER": _refused(engine, "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"),
        }
        with engine.connect() as conn:
            after = conn.execute(text("SELECT id, hash FROM audit_events ORDER BY id")).all()
    finally:
        engine.dispose()
        app.extensions["jieyue"].engine.dispose()
    record("4", "Application role on audit rows",
           f"role {role.rsplit('_', 1)[0]}_*: INSERT ok ({written} rows written by the flow); "
           + "; ".join(f"{k} refused ({v})" for k, v in refusals.items()))
    assert written == 3 and after == before
    for what in ("UPDATE", "DELETE", "TRUNCATE"):
        assert "permission denied" in refusals[what], refusals  # the privilege, not only the trigger
    assert "must be owner" in refusals["DISABLE TRIGGER"], refusals


def test_even_the_owner_cannot_truncate_or_rewrite_audit_rows_while_the_triggers_stand(pg_url, record):
    engine = make_engine(pg_url)  # the migration role (here a superuser), not the application's
    try:
        with engine.connect() as conn:
            before = conn.execute(text("SELECT id, hash FROM audit_events ORDER BY id")).all()
        refusals = {what: _refused(engine, statement) for what, statement in (
            ("TRUNCATE", "TRUNCATE audit_events"),
            ("DELETE", "DELETE FROM audit_events"),
            ("UPDATE", "UPDATE audit_events SET comment = 'rewritten'"))}
        with engine.connect() as conn:
            after = conn.execute(text("SELECT id, hash FROM audit_events ORDER BY id")).all()
    finally:
        engine.dispose()
    record("4", "Owner role on audit rows (triggers)", "; ".join(f"{k} refused ({v})" for k, v in refusals.items()))
    assert before and after == before
    for what, message in refusals.items():
        assert f"audit events are append-only ({what} refused)" in message, refusals
