"""The office-supply catalog and the green attributes each item carries (its items: `uow.catalog`, purchasing_store.py)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from policies import ItemFacts

from workflow.kernel.access import Actor
from workflow.kernel.db import Base, Money, UTCDateTime, utcnow
from workflow.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound

CATEGORIES = ("paper", "toner", "tableware", "lighting", "appliance", "plumbing", "stationery", "cleaning")
GREEN_ATTRIBUTES = ("recyclable", "recycled_content_pct", "single_use", "plastic", "biodegradable",
                    "remanufactured", "led", "energy_grade", "water_saving", "green_listed")
# Units that may be asked for in fractions; everything else is counted in whole units.
DIVISIBLE_UNITS = frozenset({"kg", "g", "m", "l", "ml"})
ATTRIBUTE_DEFAULTS = {"recyclable": False, "recycled_content_pct": 0, "single_use": False, "plastic": False,
                      "biodegradable": False, "remanufactured": False, "led": False, "energy_grade": None,
                      "water_saving": False, "green_listed": False, "active": True, "name_zh": ""}
ITEM_FIELDS = ("sku", "name", "name_zh", "category", "unit", "unit_price", "supplier", "active") + GREEN_ATTRIBUTES


class CatalogItem(Base):
    __tablename__ = "catalog_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(32), index=True)
    unit: Mapped[str] = mapped_column(String(32))
    unit_price: Mapped[Decimal] = mapped_column(Money)
    supplier: Mapped[str] = mapped_column(String(200))
    recyclable: Mapped[bool] = mapped_column(Boolean, default=False)
    recycled_content_pct: Mapped[int] = mapped_column(Integer, default=0)
    single_use: Mapped[bool] = mapped_column(Boolean, default=False)
    plastic: Mapped[bool] = mapped_column(Boolean, default=False)
    biodegradable: Mapped[bool] = mapped_column(Boolean, default=False)
    remanufactured: Mapped[bool] = mapped_column(Boolean, default=False)
    led: Mapped[bool] = mapped_column(Boolean, default=False)
    energy_grade: Mapped[int | None] = mapped_column(Integer)
    water_saving: Mapped[bool] = mapped_column(Boolean, default=False)
    green_listed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Items pass every hard GP-* rule; kept in step by the service so the catalog can filter on it.
    green: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    __table_args__ = (
        CheckConstraint(f"category IN {CATEGORIES}", name="known_category"),
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
        CheckConstraint("recycled_content_pct BETWEEN 0 AND 100", name="pct_range"),
        CheckConstraint("energy_grade IS NULL OR energy_grade BETWEEN 1 AND 5", name="grade_range"),
    )

    def facts(self) -> ItemFacts:
        return ItemFacts(
            category=self.category, unit=self.unit, unit_price=self.unit_price,
            **{a: getattr(self, a) for a in GREEN_ATTRIBUTES},
            item_id=self.id, sku=self.sku, name=self.name, name_zh=self.name_zh,
        )


def item_view(item: CatalogItem) -> dict:
    return {f: getattr(item, f) for f in ("id", "green") + ITEM_FIELDS}


def _require_admin(actor: Actor) -> None:
    if not actor.is_("admin"):
        raise Forbidden("only an administrator manages the catalog")


def _apply(item: CatalogItem, fields: dict, doc) -> None:
    from policies.procurement import passes_hard_rules

    for name in ITEM_FIELDS:
        if name in fields:
            setattr(item, name, fields[name])
    item.green = passes_hard_rules(item.facts(), doc)


def list_items(uow, *, category=None, q=None, green=None, after_id=0, limit=50) -> list[dict]:
    with uow:
        return [item_view(i) for i in uow.catalog.page(category=category, q=q, green=green, after_id=after_id,
                                                        limit=limit)]


def get_item(item_id: int, uow) -> dict:
    with uow:
        item = uow.catalog.get(item_id)
        if item is None:
            raise NotFound("no such catalog item")
        return item_view(item)


def create_item(fields: dict, actor: Actor, uow) -> int:
    _require_admin(actor)
    with uow:
        if uow.catalog.id_of_sku(fields["sku"]):
            raise Conflict("an item with this SKU exists", {"sku": ["Already exists."]})
        item = CatalogItem(**ATTRIBUTE_DEFAULTS)
        _apply(item, fields, uow.policy_document)
        uow.catalog.add(item)
        uow.commit()
        return item.id


def update_item(item_id: int, fields: dict, actor: Actor, uow) -> int:
    _require_admin(actor)
    with uow:
        item = uow.catalog.get(item_id)
        if item is None:
            raise NotFound("no such catalog item")
        if "sku" in fields and fields["sku"] != item.sku and uow.catalog.id_of_sku(fields["sku"]):
            raise Conflict("an item with this SKU exists", {"sku": ["Already exists."]})
        _apply(item, fields, uow.policy_document)
        uow.catalog.save()
        uow.commit()
        return item.id


def import_items(rows: list[dict], uow, progress=None) -> tuple[int, int]:
    """Create or update items by SKU, all in one transaction: returns (created, updated)."""
    created = updated = 0
    with uow:
        existing = uow.catalog.by_skus([r["sku"] for r in rows])
        new = []
        for row in rows:
            item = existing.get(row["sku"])
            if item is None:
                item = CatalogItem(**ATTRIBUTE_DEFAULTS)
                new.append(item)
                existing[row["sku"]] = item
                created += 1
            else:
                updated += 1
            _apply(item, row, uow.policy_document)
            if progress:
                progress(1)
        uow.catalog.add_all(new)  # with the changes to existing items: one flush writes them all
        uow.commit()
    return created, updated


def check_quantity(unit: str, quantity: Decimal, field: str) -> None:
    if quantity <= 0:
        raise InvalidInput("quantity must be positive", {field: ["Must be greater than 0."]})
    if unit not in DIVISIBLE_UNITS and quantity != quantity.to_integral_value():
        raise InvalidInput("whole units only", {field: [f"Must be a whole number of {unit}."]})
