"""Supply requests and their lines, and the procurement flow's state machine."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text, event, literal, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.approvals.columns import behalf_column, none_of
from workflow.kernel.db import Base, Money, Quantity, UTCDateTime, utcnow
from workflow.kernel.machines import build, condition
from workflow.people.accounts import Department, User

# The default office zone (TIMEZONE overrides it through the unit of work's `office_year`).
OFFICE_TZ = ZoneInfo("Asia/Shanghai")

STATES = ["draft", "dept_review", "office_review", "returned", "approved", "ordered", "received",
          "rejected", "cancelled"]
REVIEW_STATES = ("dept_review", "office_review")

SUPPLY_MACHINE = build(STATES, [
    {"trigger": "submit", "source": "draft", "dest": "office_review", "conditions": condition("skip_dept")},
    {"trigger": "submit", "source": "draft", "dest": "dept_review"},
    {"trigger": "resubmit", "source": "returned", "dest": "office_review", "conditions": condition("skip_dept")},
    {"trigger": "resubmit", "source": "returned", "dest": "dept_review"},
    {"trigger": "approve", "source": "dept_review", "dest": "office_review", "conditions": condition("needs_office")},
    {"trigger": "approve", "source": "dept_review", "dest": "approved"},
    {"trigger": "approve", "source": "office_review", "dest": "approved"},
    {"trigger": "return", "source": list(REVIEW_STATES), "dest": "returned"},
    {"trigger": "reject", "source": list(REVIEW_STATES), "dest": "rejected"},
    {"trigger": "cancel", "source": ["draft", "returned", "dept_review"], "dest": "cancelled"},
    {"trigger": "escalate", "source": "dept_review", "dest": "office_review"},  # overdue: up to logistics
    {"trigger": "order", "source": "approved", "dest": "ordered"},
    {"trigger": "receive", "source": "ordered", "dest": "received"},
], initial="draft")


class SupplyRequest(Base):
    __tablename__ = "supply_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    purpose: Mapped[str] = mapped_column(String(500))
    needed_by: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    justification: Mapped[str | None] = mapped_column(Text)
    policy_version: Mapped[str | None] = mapped_column(String(32))
    needs_office_review: Mapped[bool] = mapped_column(Boolean, default=False)
    budget_year: Mapped[int]
    committed_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    # Loaded with the request where the view needs the name (read screens); never
    # eagerly by default, so a FOR UPDATE of requests locks no user rows.
    requester: Mapped["User"] = relationship(foreign_keys=[requester_id], viewonly=True)
    lines: Mapped[list["SupplyLine"]] = relationship(
        back_populates="request", order_by="SupplyLine.position", cascade="all, delete-orphan")
    findings: Mapped[list["SupplyFinding"]] = relationship(
        order_by="SupplyFinding.id", cascade="all, delete-orphan")

    # Written only through the store (supply_rows.SupplyRequestStore), whose UPDATE names the version
    # it read; the mapper's version check guards the demo seed's writes the same way.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        # The approver queue: status, department, oldest first.
        Index("ix_supply_requests_queue", "status", "department_id", "status_changed_at", "id"),
        # ... and every department's, for the reviews above department level (0008).
        Index("ix_supply_requests_status_waiting", "status", "status_changed_at", "id"),
        CheckConstraint("total >= 0", name="total_not_negative"),
    )


class SupplyLine(Base):
    __tablename__ = "supply_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("supply_requests.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    item_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_items.id"))
    description: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(32))
    unit_price: Mapped[Decimal] = mapped_column(Money)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    supplier: Mapped[str | None] = mapped_column(String(200))
    # Green attributes as evaluated: copied from the catalog item, or typed in for other items.
    attributes: Mapped[dict] = mapped_column(default=dict)
    # The item this line replaced after a policy suggestion (the "swapped to green" figure).
    swapped_from_item_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_items.id"))
    purchase_order_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    received_quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))
    # Set at submission, for the reports: passes every block/exception GP-* rule; single-use.
    green: Mapped[bool] = mapped_column(Boolean, default=False)
    single_use: Mapped[bool] = mapped_column(Boolean, default=False)
    spend: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    request: Mapped[SupplyRequest] = relationship(back_populates="lines")
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
    )

    @property
    def amount(self) -> Decimal:
        return line_amount(self)


class PricedLine(Protocol):
    """A mapped line or a plain row (workflow/procurement/store.py): what an amount is made of."""

    @property
    def quantity(self) -> Decimal: ...

    @property
    def unit_price(self) -> Decimal: ...


def line_amount(line: PricedLine) -> Decimal:
    """A line's amount, to the fen: one definition for mapped lines and plain rows alike."""
    return (line.quantity * line.unit_price).quantize(Decimal("0.01"))


class SupplyFinding(Base):
    """A policy finding from the latest submission, with the document version it came from."""

    __tablename__ = "supply_findings"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("supply_requests.id", ondelete="CASCADE"), index=True)
    line: Mapped[int | None]
    rule_id: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    message_key: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict] = mapped_column(default=dict)
    suggestions: Mapped[list] = mapped_column(default=list)
    policy_version: Mapped[str] = mapped_column(String(32))


def queue_item(where, kind: str, behalf: str | None):
    """Supply requests matching `where` as the work queue's items of `kind` (the columns of approvals/columns.py)."""
    r = SupplyRequest
    return (select(literal(kind).label("kind"), behalf_column(behalf), r.id.label("id"), r.number.label("number"),
                   r.status.label("status"), r.purpose.label("title"), r.total.label("amount"),
                   r.version.label("version"), User.username.label("requester"), Department.code.label("department"),
                   none_of(String).label("destination"), none_of(UTCDateTime).label("depart_at"),
                   none_of(Numeric(7, 2)).label("distance_km"), none_of(String).label("supplier"),
                   r.id.label("request_id"), r.status_changed_at.label("waiting_since"))
            .join(User, User.id == r.requester_id).join(Department, Department.id == r.department_id).where(where))


class PurchaseOrder(Base):
    __tablename__ = "purchase_orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    supplier: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="placed")  # placed, partially_received, received
    total: Mapped[Decimal] = mapped_column(Money)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    lines: Mapped[list[SupplyLine]] = relationship(order_by=SupplyLine.id)


class Delivery(Base):
    """One delivery of one purchase line: the quantity that arrived and what it really cost."""

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("supply_lines.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)
    received_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # accepted (spend), held (waits for logistics, not spend) or rejected (never spend). See receipts.py.
    status: Mapped[str] = mapped_column(String(20), default="accepted", server_default="accepted")
    hold_reasons: Mapped[str | None] = mapped_column(String(64))  # space-separated: above_tolerance second_level
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_comment: Mapped[str | None] = mapped_column(String(2000))
    # Copied from the line and its request at receipt, so the reports read deliveries alone.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    category: Mapped[str | None] = mapped_column(String(32))
    unit: Mapped[str | None] = mapped_column(String(32))
    green: Mapped[bool | None]
    single_use: Mapped[bool | None]
    __table_args__ = (Index("ix_deliveries_received_at", "received_at"),
                      Index("ix_deliveries_status_received_at", "status", "received_at"))

    @classmethod
    def of(cls, line: SupplyLine, department_id: int, **values) -> "Delivery":
        """A delivery of `line`, carrying the line's figures the reports group by."""
        return cls(line_id=line.id, department_id=department_id, category=line.category, unit=line.unit,
                   green=line.green, single_use=line.single_use, **values)


@event.listens_for(Delivery, "before_insert")
def _copy_line_values(mapper, connection, delivery: Delivery) -> None:
    """Deliveries made without `Delivery.of` (the demo history) get the copies from their line."""
    if delivery.department_id is not None:
        return
    row = connection.execute(select(SupplyRequest.department_id, SupplyLine.category, SupplyLine.unit,
                                    SupplyLine.green, SupplyLine.single_use)
                             .join(SupplyRequest, SupplyRequest.id == SupplyLine.request_id)
                             .where(SupplyLine.id == delivery.line_id)).one()
    delivery.department_id, delivery.category, delivery.unit, delivery.green, delivery.single_use = row
