"""avoided trips counted once: one row per requester, destination and day of the trip (issue 14)

Revision ID: 0012
Revises: 0011
"""
import datetime as dt
import os
import unicodedata
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _key(destination: str) -> str:
    # As workflow.vehicles.model.destination_key at this revision (copied: a migration must not change with the code).
    return " ".join(unicodedata.normalize("NFKC", destination).split()).casefold()[:200]


def _moment(value) -> dt.datetime:
    # SQLite hands back the stored UTC text, PostgreSQL an aware datetime.
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def upgrade() -> None:
    with op.batch_alter_table("avoided_trips", schema=None) as batch_op:
        batch_op.add_column(sa.Column("destination_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("trip_day", sa.Date(), nullable=True))
    conn = op.get_bind()
    zone = ZoneInfo(os.environ.get("TIMEZONE") or "Asia/Shanghai")
    # Rows written before kept no departure: their day is the day they were refused. Of repeats,
    # the first row stays (the figure it gave was right; the others inflated it).
    seen, repeats = set(), []
    update = sa.text("UPDATE avoided_trips SET destination_key = :k, trip_day = :d WHERE id = :i")
    for row in conn.execute(sa.text(
            "SELECT id, requester_id, destination, created_at FROM avoided_trips ORDER BY id")).mappings():
        key = (row["requester_id"], _key(row["destination"]), _moment(row["created_at"]).astimezone(zone).date())
        if key in seen:
            repeats.append(row["id"])
            continue
        seen.add(key)
        conn.execute(update, {"k": key[1], "d": key[2], "i": row["id"]})
    if repeats:
        conn.execute(sa.text("DELETE FROM avoided_trips WHERE id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)), {"ids": repeats})
    with op.batch_alter_table("avoided_trips", schema=None) as batch_op:
        batch_op.alter_column("destination_key", existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column("trip_day", existing_type=sa.Date(), nullable=False)
        batch_op.create_index("uq_avoided_trips_once", ["requester_id", "destination_key", "trip_day"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("avoided_trips", schema=None) as batch_op:
        batch_op.drop_index("uq_avoided_trips_once")
        batch_op.drop_column("trip_day")
        batch_op.drop_column("destination_key")
