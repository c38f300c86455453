"""The stores of what purchasing keeps besides the requests: budgets (`uow.budgets`), the catalog
(`uow.catalog`) and purchase orders with their deliveries (`uow.purchase_orders`).

Each is the one way its records are read and written; services ask by name (`remaining`, `by_skus`,
`held_of`). The supply requests' own store is store.py.
"""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update

from workflow.kernel.db import Money, connection
from workflow.kernel.store import MappedStore
from workflow.kernel.uow import UnitOfWork
from workflow.people.accounts import Department
from .budget import ZERO, Budget, left
from .catalog import CatalogItem
from .model import Delivery, PurchaseOrder


_B = Budget.__table__.c
_FIGURES = select(_B.amount, _B.committed, _B.spent).where(_B.department_id == bindparam("d"),
                                                          _B.year == bindparam("y"))
_EVERY: Any = object()  # of_year without a department: every department's
_MOVE = (Budget.__table__.update().where(_B.department_id == bindparam("d"), _B.year == bindparam("y"))
         .values(committed=_B.committed + bindparam("c", type_=Money), spent=_B.spent + bindparam("s", type_=Money)))


@UnitOfWork.store("budgets")
class BudgetStore(MappedStore):
    """Each department's budget of a year, and the moves of its figures (committed, spent).

    The moves run inside supply-request actions (the hot path): each is one UPDATE that adds to
    the stored figures, without reading them first.
    """

    model = Budget

    def of(self, department_id: int, year: int, *, lock: bool = False) -> Budget | None:
        """The department's budget for the year, or None; `lock` holds its row until the commit."""
        stmt = select(Budget).where(Budget.department_id == department_id, Budget.year == year)
        return self._one(stmt.with_for_update() if lock else stmt)

    def of_year(self, year: int, department_id: Any = _EVERY) -> list[tuple[Budget, str]]:
        """The year's budgets with their department's code, by code (one department's when given)."""
        stmt = (select(Budget, Department.code).join(Department, Department.id == Budget.department_id)
                .where(Budget.year == year).order_by(Department.code))
        if department_id is not _EVERY:
            stmt = stmt.where(Budget.department_id == department_id)
        return [(b, code) for b, code in self._rows(stmt)]

    def remaining(self, department_id: int, year: int) -> Decimal | None:
        """What is left of the department's budget for the year; None when it has none."""
        row = connection(self._session).execute(_FIGURES, {"d": department_id, "y": year}).first()  # Core: no ORM
        return None if row is None else left(row.amount, row.committed, row.spent)

    def commit_amount(self, department_id: int, year: int, amount: Decimal) -> None:
        """An approval holds `amount` of the budget."""
        self._move(department_id, year, amount)

    def release_amount(self, department_id: int, year: int, amount: Decimal) -> None:
        """A request leaving the flow (or received for less) gives `amount` back."""
        self._move(department_id, year, -amount)

    def record_spend(self, department_id: int, year: int, released: Decimal, spent: Decimal) -> None:
        """A delivery booked: `released` of the committed amount becomes `spent`."""
        self._move(department_id, year, -released, spent)

    def _move(self, department_id: int, year: int, committed: Decimal, spent: Decimal = ZERO) -> None:
        # One UPDATE that adds to the stored figures: it takes the row lock itself, so there is no
        # SELECT ... FOR UPDATE round trip, and concurrent approvals never overwrite each other's sums.
        session = self._session
        if any(isinstance(o, Budget) for o in session.new) or any(
                isinstance(o, Budget) for o in session.identity_map.values()):
            # A budget added first goes first; loaded ones are kept in step.
            session.execute(update(Budget).where(Budget.department_id == department_id, Budget.year == year)
                            .values(committed=Budget.committed + committed, spent=Budget.spent + spent))
            return
        # No budget object in the session: a Core statement, without the ORM's bookkeeping, and the
        # request's own unsaved changes (if any) are flushed once, at the commit.
        connection(session).execute(_MOVE, {"d": department_id, "y": year, "c": committed, "s": spent})


_ITEMS = CatalogItem.__table__
_ITEMS_BY_ID = select(_ITEMS).where(_ITEMS.c.id.in_(bindparam("ids", expanding=True)))


@UnitOfWork.store("catalog")
class CatalogStore(MappedStore):
    """The office-supply catalog's items."""

    model = CatalogItem

    def id_of_sku(self, sku: str) -> int | None:
        """The id of the item with this SKU, if any."""
        return self._one(select(CatalogItem.id).where(CatalogItem.sku == sku))

    def by_skus(self, skus: list[str]) -> dict[str, CatalogItem]:
        """The items of these SKUs that exist, by SKU."""
        return {i.sku: i for i in self._all(select(CatalogItem).where(CatalogItem.sku.in_(skus)))}

    def plain(self, ids: set[int]) -> dict[int, SimpleNamespace]:
        """The items of these ids as plain attributes (a draft's lines copy them; Core, no ORM)."""
        if not ids:
            return {}
        rows = connection(self._session).execute(_ITEMS_BY_ID, {"ids": list(ids)}).mappings()
        return {row["id"]: SimpleNamespace(**row) for row in rows}

    def page(self, *, category=None, q=None, green=None, after_id: int = 0, limit: int = 50) -> list[CatalogItem]:
        """Active items after `after_id`, in id order, narrowed by category, greenness and a search text."""
        stmt = select(CatalogItem).where(CatalogItem.active.is_(True), CatalogItem.id > after_id)
        if category:
            stmt = stmt.where(CatalogItem.category == category)
        if green is not None:
            stmt = stmt.where(CatalogItem.green.is_(green))
        if q:
            # autoescape: "%" and "_" in the search are plain characters, not wildcards.
            stmt = stmt.where(or_(func.lower(CatalogItem.name).contains(q.lower(), autoescape=True),
                                  CatalogItem.name_zh.contains(q, autoescape=True),
                                  func.lower(CatalogItem.sku).contains(q.lower(), autoescape=True)))
        return self._all(stmt.order_by(CatalogItem.id).limit(limit))

    def green_items(self, categories: set[str]) -> list[CatalogItem]:
        """The active green items of these categories: what the policy may suggest instead."""
        return self._all(select(CatalogItem).where(CatalogItem.category.in_(categories), CatalogItem.active.is_(True),
                                                   CatalogItem.green.is_(True)))


@UnitOfWork.store("purchase_orders")
class PurchaseOrderStore(MappedStore):
    """Purchase orders with their deliveries (an order's receipts, held or booked).

    An order's row is locked before its deliveries' (receive and a held receipt's decision both
    do so), so two writers of one order never deadlock. Its lines are supply lines, written
    through `uow.supply_requests`.
    """

    model = PurchaseOrder

    def page(self, *, status=None, before_id=None, limit: int = 50) -> list[PurchaseOrder]:
        """Newest first, keyset-paginated by id."""
        stmt = select(PurchaseOrder)
        if status:
            stmt = stmt.where(PurchaseOrder.status == status)
        if before_id:
            stmt = stmt.where(PurchaseOrder.id < before_id)
        return self._all(stmt.order_by(PurchaseOrder.id.desc()).limit(limit))

    def refresh(self, po: PurchaseOrder) -> None:
        """Read the order again from the database (its columns as stored now)."""
        self._session.refresh(po)

    def held_of(self, po_id: int) -> list[Delivery]:
        """The order's deliveries waiting for logistics, in id order."""
        return self._all(select(Delivery).where(Delivery.purchase_order_id == po_id, Delivery.status == "held")
                         .order_by(Delivery.id))

    def held_deliveries(self, limit: int) -> list[Delivery]:
        """Every delivery waiting for logistics, oldest first."""
        return self._all(select(Delivery).where(Delivery.status == "held")
                         .order_by(Delivery.received_at, Delivery.id).limit(limit))

    def held_by_line(self, line_ids) -> dict[int, tuple[Decimal, Decimal]]:
        """line id -> (quantity, amount) of its deliveries waiting for logistics."""
        rows = self._rows(select(Delivery.line_id, func.sum(Delivery.quantity), func.sum(Delivery.amount))
                          .where(Delivery.line_id.in_(line_ids), Delivery.status == "held").group_by(Delivery.line_id))
        return {line_id: (Decimal(str(q)), Decimal(str(a))) for line_id, q, a in rows}

    def second_level_accepted(self, line_ids) -> bool:
        """Whether logistics already accepted a real amount of these lines at the second level."""
        return self._one(select(Delivery.id).where(Delivery.line_id.in_(line_ids), Delivery.status == "accepted",
                                                   Delivery.hold_reasons.contains("second_level")).limit(1)) is not None

    def order_of_delivery(self, delivery_id: int) -> int | None:
        """The id of the order a delivery belongs to (None: no such delivery)."""
        return self._one(select(Delivery.purchase_order_id).where(Delivery.id == delivery_id))

    def delivery(self, delivery_id: int, *, lock: bool = False) -> Delivery | None:
        """One delivery; `lock` after its order's (see the class)."""
        stmt = select(Delivery).where(Delivery.id == delivery_id)
        return self._one(stmt.with_for_update() if lock else stmt)
