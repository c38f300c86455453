"""held receipts: a delivery beyond the approved amount waits for logistics (accepted, held, rejected)

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

import workflow.kernel.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every delivery recorded so far was booked as spend at once: it is accepted.
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=20), server_default="accepted", nullable=False))
        batch_op.add_column(sa.Column("hold_reasons", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("decided_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decided_at", workflow.kernel.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("decision_comment", sa.String(length=2000), nullable=True))
        batch_op.create_foreign_key(op.f("fk_deliveries_decided_by_id_users"), "users", ["decided_by_id"], ["id"])
        batch_op.create_index("ix_deliveries_status_received_at", ["status", "received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_status_received_at")
        batch_op.drop_constraint(op.f("fk_deliveries_decided_by_id_users"), type_="foreignkey")
        for column in ("decision_comment", "decided_at", "decided_by_id", "hold_reasons", "status"):
            batch_op.drop_column(column)
