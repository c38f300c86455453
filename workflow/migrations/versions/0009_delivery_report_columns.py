"""delivery report columns: each delivery keeps its line's department, category, unit and green marks

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COPIED = ("department_id", "category", "unit", "green", "single_use")


def upgrade() -> None:
    # The reports read deliveries of a period only: with these copies they need no join to
    # supply_lines (the largest table) and supply_requests. Lines never change after ordering.
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("department_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("category", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("unit", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("green", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("single_use", sa.Boolean(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_deliveries_department_id_departments"), "departments",
                                    ["department_id"], ["id"])
    backfill(op.get_bind())


def backfill(conn) -> None:
    """Copy the line's and request's values onto the deliveries that lack them."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("""
            UPDATE deliveries d SET department_id = r.department_id, category = l.category, unit = l.unit,
                   green = l.green, single_use = l.single_use
            FROM supply_lines l JOIN supply_requests r ON r.id = l.request_id
            WHERE l.id = d.line_id AND d.department_id IS NULL"""))
    else:
        line = "(SELECT {} FROM supply_lines l WHERE l.id = deliveries.line_id)"
        conn.execute(sa.text(f"""
            UPDATE deliveries SET
                department_id = (SELECT r.department_id FROM supply_lines l JOIN supply_requests r
                                 ON r.id = l.request_id WHERE l.id = deliveries.line_id),
                category = {line.format('l.category')}, unit = {line.format('l.unit')},
                green = {line.format('l.green')}, single_use = {line.format('l.single_use')}
            WHERE department_id IS NULL"""))


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_deliveries_department_id_departments"), type_="foreignkey")
        for column in reversed(COPIED):
            batch_op.drop_column(column)
