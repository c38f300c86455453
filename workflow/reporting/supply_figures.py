"""Finance's supply reports: spend year on year, per person, and what was consumed.

Every figure is an aggregate computed by the database (GROUP BY over indexed columns);
rows are never loaded into Python to be added up. `reads` is the unit of work's `uow.reads`.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Numeric, case, cast, func, select

from policies.periods import Period

from workflow.kernel.access import Actor
from workflow.kernel.audit import AuditEvent
from workflow.kernel.errors import Forbidden
from workflow.people.accounts import Department
from workflow.procurement.model import SupplyLine, SupplyRequest
from workflow.procurement.model import Delivery
from .sql import ZERO, bounds, change_pct, dec, money, month_key, per_person

REPORT_READERS = ("finance", "admin", "logistics", "dept_head")
GROUPS = ("department", "category", "month")


def scope(actor: Actor, department_id: int | None) -> int | None:
    """Which department a report may cover: a head only their own; staff none at all."""
    if not actor.is_(*REPORT_READERS):
        raise Forbidden("reports are for finance, administrators, logistics and department heads")
    if actor.is_("dept_head"):
        if department_id not in (None, actor.department_id):
            raise Forbidden("a department head sees their own department's figures")
        return actor.department_id
    return department_id


def headcounts(reads, department_id: int | None) -> dict[int, int]:
    stmt = select(Department.id, Department.headcount)
    if department_id:
        stmt = stmt.where(Department.id == department_id)
    return dict(reads.execute(stmt).all())


def _spend_by(reads, period: Period, zone, dialect: str, group_by: str, department_id: int | None) -> dict:
    start, end = bounds(period, zone)
    # Deliveries carry their line's department and category: no join to the lines (see 0009).
    key = {"department": Delivery.department_id, "category": Delivery.category,
           "month": month_key(Delivery.received_at, dialect, zone, period.start)}[group_by]
    stmt = (select(key.label("k"), func.sum(Delivery.amount))
            .where(Delivery.received_at >= start, Delivery.received_at < end, Delivery.status == "accepted")
            .group_by(key))
    if department_id:
        stmt = stmt.where(Delivery.department_id == department_id)
    return {k: money(v) for k, v in reads.execute(stmt)}


def _add_months(month: str, n: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + n
    return f"{index // 12}-{index % 12 + 1:02d}"


def expenditure(reads, period: Period, baseline: Period, group_by: str, zone, dialect: str,
                department_id: int | None = None) -> dict:
    now = _spend_by(reads, period, zone, dialect, group_by, department_id)
    before = _spend_by(reads, baseline, zone, dialect, group_by, department_id)
    heads: dict = headcounts(reads, department_id)  # by department id: a group's key when grouped by department
    names = dict(reads.execute(select(Department.id, Department.code)).all())
    people_total = sum(heads.values())
    if group_by == "month":
        # Each month lines up with the baseline's month at the same place in its period.
        offset = (period.start.year - baseline.start.year) * 12 + period.start.month - baseline.start.month
        keys = sorted(set(now) | {_add_months(m, offset) for m in before})
        shift = {m: _add_months(m, -offset) for m in keys}
    else:
        keys = sorted(set(now) | set(before), key=str)
        shift = {k: k for k in keys}
    groups = []
    for k in keys:
        spend, base = now.get(k, money(0)), before.get(shift[k], money(0))
        people = heads.get(k, 0) if group_by == "department" else people_total
        groups.append({"key": names.get(k, k) if group_by == "department" else k, "spend": spend,
                       "baseline_spend": base, "change_pct": change_pct(spend, base),
                       "spend_per_person": per_person(spend, people), "baseline_per_person": per_person(base, people)})
    total, base_total = money(sum(now.values(), ZERO)), money(sum(before.values(), ZERO))
    return {"period": period.label, "baseline": baseline.label, "group_by": group_by, "currency": "CNY",
            "headcount": people_total, "groups": groups,
            "total": {"spend": total, "baseline_spend": base_total, "change_pct": change_pct(total, base_total),
                      "spend_per_person": per_person(total, people_total),
                      "baseline_per_person": per_person(base_total, people_total)}}


def _consumed(reads, period: Period, zone, doc, department_id: int | None) -> dict:
    start, end = bounds(period, zone)
    reams = case(*[(Delivery.unit == unit, Decimal(str(n))) for unit, n in
                   doc.procurement["paper_reams_per_unit"].items()], else_=Decimal("1"))
    line_in_period = (select(
        func.sum(case((Delivery.category == "paper", Delivery.quantity * reams), else_=0)),
        func.sum(case((Delivery.category == "toner", Delivery.quantity), else_=0)),
        func.sum(case((Delivery.single_use.is_(True), Delivery.quantity), else_=0)),
        func.sum(Delivery.amount),
        func.sum(case((Delivery.green.is_(True), Delivery.amount), else_=0)))
        .where(Delivery.received_at >= start, Delivery.received_at < end, Delivery.status == "accepted"))
    swapped = (select(func.sum(SupplyLine.quantity * SupplyLine.unit_price))
               .join(SupplyRequest, SupplyRequest.id == SupplyLine.request_id)
               .where(SupplyLine.swapped_from_item_id.is_not(None), SupplyRequest.submitted_at >= start,
                      SupplyRequest.submitted_at < end))
    # A request blocked several times counts once, at its last blocked total.
    last_block = (select(func.max(AuditEvent.id).label("id"))
                  .where(AuditEvent.entity_type == "supply_request",
                         AuditEvent.action.in_(("submit_blocked", "resubmit_blocked")),
                         AuditEvent.created_at >= start, AuditEvent.created_at < end)
                  .group_by(AuditEvent.entity_id))
    blocked = (select(func.count(), func.sum(cast(AuditEvent.data["total"].as_string(), Numeric(14, 2))))
               .where(AuditEvent.id.in_(last_block)))
    if department_id:
        line_in_period = line_in_period.where(Delivery.department_id == department_id)
        swapped = swapped.where(SupplyRequest.department_id == department_id)
        blocked = blocked.join(SupplyRequest, SupplyRequest.id == AuditEvent.entity_id).where(
            SupplyRequest.department_id == department_id)
    paper, toner, single, spend, green = reads.execute(line_in_period).one()
    blocked_count, blocked_value = reads.execute(blocked).one()
    return {"paper_reams": dec(paper, "0.01"), "toner_units": dec(toner), "single_use_units": dec(single),
            "spend": money(spend), "green_spend": money(green), "swapped_value": money(reads.scalar(swapped)),
            "blocked_requests": blocked_count or 0, "blocked_value": money(blocked_value)}


def consumption(reads, period: Period, baseline: Period, zone, doc, department_id: int | None = None) -> dict:
    people = sum(headcounts(reads, department_id).values())
    figures = {}
    for name, p in (("period", period), ("baseline", baseline)):
        c = _consumed(reads, p, zone, doc, department_id)
        c["green_share_pct"] = (c["green_spend"] * 100 / c["spend"]).quantize(Decimal("0.1")) if c["spend"] else None
        for unit in ("paper_reams", "toner_units", "single_use_units"):
            c[f"{unit}_per_person"] = (c[unit] / people).quantize(Decimal("0.01")) if people else None
        figures[name] = c
    changes = {k: change_pct(dec(figures["period"][k]), dec(figures["baseline"][k]))
               for k in ("paper_reams", "toner_units", "single_use_units", "spend")}
    return {"period": period.label, "baseline": baseline.label, "headcount": people, "units": {
        "paper_reams": "ream (500 sheets)", "toner_units": "cartridge", "single_use_units": "item", "spend": "CNY"},
            "current": figures["period"], "previous": figures["baseline"], "change_pct": changes}
