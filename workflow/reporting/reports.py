"""Report services: access, live or snapshot, targets' progress, compilation and the monthly digest."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from policies.periods import Period, PeriodError, parse

from workflow.kernel.access import Actor
from workflow.kernel.db import utcnow
from workflow.kernel.errors import BadQuery
from workflow.kernel.outbox import OutboxEvent
from workflow.kernel.texts import text
from . import vehicle_figures, supply_figures, snapshots
from .sql import change_pct
from .targets import METRICS

KINDS = ("expenditure", "consumption", "vehicles")


def periods(period: str, baseline: str | None, today: dt.date) -> tuple[Period, Period]:
    """Checked periods: well formed, not in the future, the baseline before the period."""
    try:
        p = parse(period)
    except PeriodError as exc:
        raise BadQuery("bad period", {"period": [str(exc)]}) from exc
    try:
        b = parse(baseline) if baseline else p.a_year_earlier()
    except PeriodError as exc:
        raise BadQuery("bad baseline", {"baseline": [str(exc)]}) from exc
    if p.start > today:
        raise BadQuery("period in the future", {"period": ["Starts in the future."]})
    if b.end > p.start:
        raise BadQuery("baseline not before the period", {"baseline": ["Must end before the period starts."]})
    return to_date(p, b, today)


def to_date(p: Period, b: Period, today: dt.date) -> tuple[Period, Period]:
    """A period still running is compared so far: up to today, against as many days of the baseline.

    Comparing eleven months with a whole year would show savings that are only the missing month.
    """
    if p.end <= today:
        return p, b
    days = (today - p.start).days + 1
    b_end = min(b.end, b.start + dt.timedelta(days=days))
    # Labelled as the date ranges they now are, which read (and parse) unambiguously.
    return (parse(f"{p.start.isoformat()}..{today.isoformat()}"),
            parse(f"{b.start.isoformat()}..{(b_end - dt.timedelta(days=1)).isoformat()}"))


DEFAULT_GROUP = {"expenditure": "department", "consumption": None, "vehicles": "vehicle"}


def _key(kind: str, period: Period, baseline: Period, group_by: str | None, department_id: int | None) -> str:
    # The default grouping is spelt out, so a plain request finds the nightly snapshot.
    group_by = group_by or DEFAULT_GROUP[kind]
    return f"{period.label}|{baseline.label}|{group_by or '-'}|{department_id or 'office'}"


def compute(kind: str, uow, period: Period, baseline: Period, group_by: str | None, department_id: int | None):
    reads = uow.reads
    if kind == "expenditure":
        return supply_figures.expenditure(reads, period, baseline, group_by or "department", uow.office_tz,
                                          reads.dialect, department_id)
    if kind == "consumption":
        return supply_figures.consumption(reads, period, baseline, uow.office_tz, uow.policy_document, department_id)
    return vehicle_figures.vehicles(reads, period, baseline, group_by or "vehicle", uow.office_tz,
                                    uow.policy_document, department_id)


def report(kind: str, actor: Actor, uow, *, period: str, baseline: str | None = None, group_by: str | None = None,
           department_id: int | None = None, live: bool = False) -> dict:
    """A fresh snapshot when there is one, else computed now; `source` says which."""
    department_id = supply_figures.scope(actor, department_id)
    with uow:
        p, b = periods(period, baseline, uow.today())
        key = _key(kind, p, b, group_by, department_id)
        if not live and (snap := uow.report_snapshots.fresh(kind, key)):
            return {"source": "snapshot", "compiled_at": snap.compiled_at, "report": snap.data}
        data = compute(kind, uow, p, b, group_by, department_id)
        return {"source": "live", "compiled_at": utcnow(), "report": snapshots.plain(data)}


def compile_snapshot(kind: str, uow, *, period: str, baseline: str | None = None, group_by: str | None = None,
                     department_id: int | None = None) -> str:
    """Compute and store (replacing any earlier one); returns the snapshot key."""
    with uow:
        p, b = periods(period, baseline, uow.today())
        key = _key(kind, p, b, group_by, department_id)
        uow.report_snapshots.put(kind, key, compute(kind, uow, p, b, group_by, department_id))
        uow.commit()
        return key


def nightly_periods(today: dt.date) -> list[str]:
    """The running month, quarter and year, and the month just closed."""
    last_month = (today.replace(day=1) - dt.timedelta(days=1))
    return [f"{today.year}-{today.month:02d}", f"{today.year}-Q{(today.month - 1) // 3 + 1}", str(today.year),
            f"{last_month.year}-{last_month.month:02d}"]


def compile_nightly(new_uow, today: dt.date) -> list[str]:
    done = []
    for period in nightly_periods(today):
        for kind, groups in (("expenditure", ("department", "category", "month")), ("consumption", (None,)),
                             ("vehicles", ("vehicle", "department"))):
            for group_by in groups:
                done.append(compile_snapshot(kind, new_uow(), period=period, group_by=group_by))
    return done


# ---- targets -----------------------------------------------------------------------------------

def _metric_value(metric: str, uow, period: Period, baseline: Period, department_id):
    """(this year so far, the same days a year earlier) for one metric."""
    reads = uow.reads
    if metric.startswith("supply_spend"):
        r = supply_figures.expenditure(reads, period, baseline, "department", uow.office_tz, reads.dialect,
                                       department_id)
        field = "spend_per_person" if metric.endswith("per_person") else "spend"
        return r["total"][field], r["total"]["baseline_per_person" if field != "spend" else "baseline_spend"]
    if metric == "paper_reams_per_person":
        r = supply_figures.consumption(reads, period, baseline, uow.office_tz, uow.policy_document, department_id)
        return r["current"]["paper_reams_per_person"], r["previous"]["paper_reams_per_person"]
    r = vehicle_figures.vehicles(reads, period, baseline, "vehicle", uow.office_tz, uow.policy_document, department_id)
    before = vehicle_figures.vehicles(reads, baseline, baseline, "vehicle", uow.office_tz, uow.policy_document,
                                      department_id)
    if metric == "vehicle_cost":
        return r["total"]["cost"], r["total"]["baseline_cost"]
    return r["total"]["litres_per_100km"], before["total"]["litres_per_100km"]


def target_progress(year: int, actor: Actor, uow, department_id: int | None = None) -> dict:
    """Each target against the year so far, compared with the same days of the previous year."""
    department_id = supply_figures.scope(actor, department_id)
    with uow:
        today = uow.today()
        if year > today.year:
            raise BadQuery("year in the future", {"year": ["The year has not started."]})
        last = min(today, dt.date(year, 12, 31))
        so_far = parse(f"{year}-01-01..{last.isoformat()}")
        elapsed = Decimal(so_far.days * 100 / (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days).quantize(Decimal("0.1"))
        rows = []
        for t in uow.reduction_targets.of_year(year, department_id):
            now, before = _metric_value(t.metric, uow, so_far, so_far.a_year_earlier(), t.department_id)
            change = change_pct(Decimal(str(now)), Decimal(str(before))) if now is not None and before else None
            name, unit = METRICS[t.metric]
            rows.append({"metric": t.metric, "name": name, "name_zh": text(name, "zh"), "unit": unit,
                         "department_id": t.department_id,
                         "reduction_pct": t.reduction_pct, "value": now, "baseline_value": before,
                         "change_pct": change, "on_track": (change is not None and change <= -t.reduction_pct)})
        return snapshots.plain({
            "year": year, "elapsed_pct": elapsed, "compared": f"{so_far.label} against {so_far.a_year_earlier().label}",
            "note": "Pro-rated: the year so far is compared with the same days of the previous year.",
            "targets": rows})


# ---- the monthly digest ------------------------------------------------------------------------

def monthly_digest(uow, today: dt.date) -> int | None:
    """On the first of a month: one outbox event with last month's summary (finance and heads hear of it)."""
    last = today.replace(day=1) - dt.timedelta(days=1)
    label = f"{last.year}-{last.month:02d}"
    with uow:
        month = int(f"{last.year}{last.month:02d}")
        # Once per month, however many beat processes fire.
        if uow.reads.scalar(select(OutboxEvent.id).where(OutboxEvent.topic == "report.monthly_digest",
                                                 OutboxEvent.aggregate_id == month)):
            return None
        p = parse(label)
        b = p.a_year_earlier()
        spend = supply_figures.expenditure(uow.reads, p, b, "department", uow.office_tz, uow.reads.dialect)
        fleet = vehicle_figures.vehicles(uow.reads, p, b, "vehicle", uow.office_tz, uow.policy_document)
        event = uow.emit("report.monthly_digest", "report", month, period=label,
                     spend=str(spend["total"]["spend"]), spend_change_pct=str(spend["total"]["change_pct"]),
                     vehicle_cost=str(fleet["total"]["cost"]), avoided_trips=fleet["avoided"]["trips"],
                     co2_kg_saved=str(fleet["avoided"]["co2_kg_saved"]))
        uow.commit()
        return event.id
