"""Demo purchasing history: two years of received office-supply requests, spend falling year on year."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import select

from workflow.kernel.access import Actor
from workflow.people.accounts import Department, User
from workflow.procurement.catalog import GREEN_ATTRIBUTES, CatalogItem
from workflow.procurement.store import LineRow
from workflow.procurement.model import Delivery, PurchaseOrder

# Monthly baskets per department; the later year buys less (the programme working).
BASKET = [("PAP-A4-R", 8), ("TON-88A-R", 1), ("STA-PEN-G", 10), ("CLN-CLOTH", 4), ("LGT-T8-L", 2)]


def seed_supply_history(uow, today: dt.date) -> int:
    """Received requests for each department and month of the two years before `today`."""
    rng = random.Random(2025)
    with uow:
        reads, orders = uow.reads, uow.purchase_orders
        buyer = reads.scalar(select(User).where(User.username == "buyer"))
        actor = Actor(buyer.id, buyer.username, buyer.role, buyer.department_id)
        items = {i.sku: i for i in reads.scalars(select(CatalogItem))}
        # Bought in the department head's name, so staff's own paper quota starts the year empty.
        staff = {u.department_id: u for u in reads.scalars(select(User).where(User.role == "dept_head"))}
        departments = list(reads.scalars(select(Department)))
        made = 0
        first = (today.replace(day=1) - dt.timedelta(days=730)).replace(day=1)
        month = first
        while month < today.replace(day=1):
            # Last year's months buy about 12 % less than the year before: the savings finance reports.
            factor = 0.88 if month >= (today.replace(day=1) - dt.timedelta(days=365)) else 1.0
            for dep in departments:
                requester = staff.get(dep.id) or buyer
                when = dt.datetime.combine(month + dt.timedelta(days=rng.randint(2, 20)), dt.time(10), uow.office_tz)
                po = PurchaseOrder(supplier="Demo suppliers", status="received", total=Decimal("0.00"),
                                   created_by_id=buyer.id, created_at=when + dt.timedelta(days=2))
                orders.add(po)
                po.number = f"PO-{when.year}-{po.id:06d}"
                lines, prices = [], []
                for n, (sku, qty) in enumerate(BASKET):
                    item = items[sku]
                    quantity = Decimal(max(1, round(qty * factor * rng.uniform(0.8, 1.2))))
                    price = (item.unit_price * Decimal(str(rng.uniform(0.95, 1.02)))).quantize(Decimal("0.01"))
                    lines.append(LineRow(position=n, item_id=item.id, description=item.name, category=item.category,
                                         unit=item.unit, unit_price=item.unit_price, quantity=quantity,
                                         supplier=item.supplier, purchase_order_id=po.id, swapped_from_item_id=None,
                                         attributes={a: getattr(item, a) for a in GREEN_ATTRIBUTES},
                                         received_quantity=quantity, spend=(quantity * price).quantize(Decimal("0.01")),
                                         green=item.green, single_use=item.single_use))
                    prices.append(price)
                total = sum((line.amount for line in lines), Decimal("0.00"))
                # Through the store, as every writer of a request: its columns, its lines, its number.
                req = uow.supply_requests.add({
                    "version": 6, "requester_id": requester.id, "department_id": dep.id,
                    "purpose": "Monthly office supplies", "needed_by": None, "status": "received",
                    "budget_year": when.year, "total": total, "committed_amount": Decimal("0.00"),
                    "justification": None, "needs_office_review": False, "policy_version": "2026.1",
                    "created_at": when, "updated_at": when, "submitted_at": when,
                    "status_changed_at": when + dt.timedelta(days=7), "reminded_at": None}, lines)
                po.total = total
                orders.add_all([Delivery(purchase_order_id=po.id, line_id=line.id, quantity=line.quantity,
                                         unit_price=price, amount=line.spend, received_by_id=buyer.id,
                                         received_at=when + dt.timedelta(days=7))
                                for line, price in zip(lines, prices, strict=True)])
                uow.record("supply_request", req.id, "receive", actor, from_state="ordered", to_state="received",
                             comment="demo history", data={"purchase_order": po.number})
                made += 1
            month = (month + dt.timedelta(days=32)).replace(day=1)
        uow.commit()
        return made
