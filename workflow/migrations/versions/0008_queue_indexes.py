"""queue indexes: reviews of every department oldest first (logistics' and the fleet's queues)

Revision ID: 0008
Revises: 0007
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The queue reads each part in (status_changed_at, id) order: the existing (status,
    # department_id, ...) indexes give that order for one department only, these for all.
    op.create_index("ix_supply_requests_status_waiting", "supply_requests", ["status", "status_changed_at", "id"])
    op.create_index("ix_trip_requests_status_waiting", "trip_requests", ["status", "status_changed_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_trip_requests_status_waiting", table_name="trip_requests")
    op.drop_index("ix_supply_requests_status_waiting", table_name="supply_requests")
