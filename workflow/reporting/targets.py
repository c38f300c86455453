"""Yearly reduction targets per metric, for the office or one department (kept by `uow.reduction_targets`).

Progress against them is reported by reports.target_progress.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.kernel.access import Actor
from workflow.kernel.db import Base, UTCDateTime, utcnow
from workflow.kernel.errors import Forbidden, InvalidInput, NotFound
from workflow.kernel.texts import N_

# metric -> (its name, a message id of the gettext catalog; its unit)
METRICS = {
    "supply_spend": (N_("Office-supply spend"), "CNY"),
    "supply_spend_per_person": (N_("Office-supply spend per person"), "CNY"),
    "paper_reams_per_person": (N_("Paper per person"), "ream"),
    "fuel_litres_per_100km": (N_("Fuel per 100 km"), "L/100 km"),
    "vehicle_cost": (N_("Vehicle cost"), "CNY"),
}


class ReductionTarget(Base):
    __tablename__ = "reduction_targets"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    metric: Mapped[str] = mapped_column(String(40))
    # "office", or "department:<id>": a string so that the unique key also holds for the office.
    scope: Mapped[str] = mapped_column(String(32))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    reduction_pct: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    set_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("year", "metric", "scope", name="uq_reduction_targets_year_metric_scope"),)


def set_target(year: int, metric: str, department_id: int | None, reduction_pct: Decimal, actor: Actor, uow) -> dict:
    from workflow.people.accounts import Department

    if not actor.is_("finance", "admin"):
        raise Forbidden("targets are set by finance or an administrator")
    if metric not in METRICS:
        raise InvalidInput("unknown metric", {"metric": [f"One of {', '.join(METRICS)}."]})
    with uow:
        if department_id is not None and uow.reads.get(Department, department_id) is None:
            raise NotFound("no such department")
        scope = f"department:{department_id}" if department_id else "office"
        row = uow.reduction_targets.for_scope(year, metric, scope, lock=True)
        if row is None:
            uow.reduction_targets.add(ReductionTarget(year=year, metric=metric, scope=scope, department_id=department_id,
                                                      reduction_pct=reduction_pct, set_by_id=actor.id, updated_at=utcnow()))
        else:
            row.reduction_pct, row.set_by_id, row.updated_at = reduction_pct, actor.id, utcnow()
        uow.commit()
        return {"year": year, "metric": metric, "department_id": department_id, "reduction_pct": reduction_pct}
