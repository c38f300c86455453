"""audit chain: hashes linking each item's events, and append-only audit rows on PostgreSQL

Revision ID: 0007
Revises: 0006
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _chain_existing_events()
    if op.get_bind().dialect.name == "postgresql":
        # Append-only whatever the role: history is never rewritten by the application.
        op.execute("""
            CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP; END $$""")
        op.execute("""CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
                      FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""")


def _chain_existing_events() -> None:
    """Hash the events written before this migration, in order, item by item."""
    from types import SimpleNamespace

    from workflow.kernel.audit import digest

    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, entity_type, entity_id, action, from_state, to_state, actor_id, on_behalf_of_id, comment, "
        "policy_version, data, created_at FROM audit_events ORDER BY entity_type, entity_id, id")).mappings().all()
    last: dict[tuple[str, int], str] = {}
    for row in rows:
        e = dict(row)
        if isinstance(e["data"], str):
            import json

            e["data"] = json.loads(e["data"])
        created = e["created_at"]
        if isinstance(created, str):
            created = dt.datetime.fromisoformat(created)
        if created.tzinfo is None:
            created = created.replace(tzinfo=dt.timezone.utc)
        e["created_at"] = created
        key = (e["entity_type"], e["entity_id"])
        prev = last.get(key)
        value = digest(SimpleNamespace(**e), prev)
        conn.execute(sa.text("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE id = :id"),
                     {"p": prev, "h": value, "id": e["id"]})
        last[key] = value


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
