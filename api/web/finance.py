"""Finance pages: the dashboard (spend, green share, paper, fuel, targets) and report downloads."""
from __future__ import annotations

import datetime as dt

from flask import render_template, request
from flask_babel import gettext as _

from policies.periods import PeriodError, months, parse
from api.auth import uow
from api.fields import ID_MAX, is_id
from workflow.kernel.errors import BadQuery, DomainError, Forbidden
from workflow.people import accounts
from workflow.reporting import reports

from .auth import login_required, web_actor

from .errors import error_page, pages_blueprint, status_of

blp = pages_blueprint("web_finance", __name__)

KINDS = ("expenditure", "consumption", "vehicles")
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# The groupings each report accepts (as the API's); none means the report's default.
GROUPS = {"expenditure": ("department", "category", "month"), "consumption": (), "vehicles": ("vehicle", "department")}


def _query() -> dict:
    """The period picker's values (period defaults to the office's current year)."""
    period = (request.args.get("period") or "").strip() or str(uow().office_year())
    department = (request.args.get("department_id") or "").strip()
    if department and not (is_id(department) and int(department) <= ID_MAX):
        raise BadQuery("bad department", {"department_id": [_("Choose a department from the list.")]})
    return {"period": period[:30], "baseline": (request.args.get("baseline") or "").strip()[:30] or None,
            "department_id": int(department) if department else None,
            "live": request.args.get("live") in ("1", "on", "true")}


def _monthly_rows(report: dict) -> list[dict]:
    """Every month of the period that has begun, those without deliveries as zero (the chart has no gaps)."""
    by_key = {g["key"]: g for g in report["groups"]}
    try:
        period = parse(report["period"])
    except PeriodError:
        return report["groups"]
    today = uow().today()
    rows = []
    for month in months(period):
        row = by_key.pop(month, None)
        if row is None and dt.date(int(month[:4]), int(month[5:7]), 1) <= today:
            row = {"key": month, "spend": "0.00", "baseline_spend": "0.00", "change_pct": None}
        if row is not None:
            rows.append(row)
    return sorted(rows + list(by_key.values()), key=lambda r: r["key"])


def _source(result: dict) -> dict:
    return {"source": result["source"], "compiled_at": result["compiled_at"]}


@blp.get("/app/finance", endpoint="dashboard")
@login_required
def dashboard():
    actor = web_actor()
    values = {k: v for k, v in request.args.items() if k in ("period", "baseline", "department_id", "live")}
    every_department = accounts.list_departments(uow())
    departments = [] if actor.is_("dept_head") else every_department  # a head has no choice to make
    try:
        query = _query()
        values.setdefault("period", query["period"])
        common = dict(period=query["period"], baseline=query["baseline"], department_id=query["department_id"],
                      live=query["live"])
        monthly = reports.report("expenditure", actor, uow(), group_by="month", **common)
        by_department = reports.report("expenditure", actor, uow(), group_by="department", **common)
        consumption = reports.report("consumption", actor, uow(), **common)
        vehicles = reports.report("vehicles", actor, uow(), **common)
    except Forbidden as exc:
        return error_page(exc)
    except DomainError as exc:
        # A period or baseline that cannot be reported on: the picker again, with the messages.
        return render_template("web/finance.html", values=values, errors=exc.errors, message=exc.message,
                               departments=departments, data=None), status_of(exc)
    period, baseline = monthly["report"]["period"], monthly["report"]["baseline"]
    try:  # fuel per 100 km over the baseline: the vehicle report of the baseline period itself
        before = reports.report("vehicles", actor, uow(), period=baseline, department_id=query["department_id"],
                                live=query["live"])
        baseline_fuel = before["report"]["total"].get("litres_per_100km")
    except DomainError:
        baseline_fuel = None
    year = parse(period).start.year
    try:
        progress = reports.target_progress(year, actor, uow(), query["department_id"])
    except DomainError as exc:
        progress = {"year": year, "targets": [], "error": exc.message}
    names = {d["id"]: d for d in every_department}
    months_rows = _monthly_rows(monthly["report"])
    cons = consumption["report"]
    fleet = vehicles["report"]
    target_rows = _target_rows(progress, names)
    chart = _chart(period, baseline, months_rows, by_department["report"], cons, fleet, baseline_fuel, target_rows)
    sources = [(_("Spend by month"), _source(monthly)), (_("Spend by department"), _source(by_department)),
               (_("Consumption"), _source(consumption)), (_("Official vehicles"), _source(vehicles))]
    kinds = {s["source"] for _name, s in sources}
    overall_source = kinds.pop() if len(kinds) == 1 else "mixed"
    # Whose figures these are: a head's own department, a chosen one, or (None) the whole office.
    scope = actor.department_id if actor.is_("dept_head") else query["department_id"]
    exports = {k: dict(period=period, baseline=query["baseline"], department_id=query["department_id"])
               for k in KINDS}
    return render_template("web/finance.html", values=values, errors={}, message=None, departments=departments,
                           data=chart, period=period, baseline=baseline, monthly=months_rows,
                           by_department=by_department["report"], consumption=cons, fleet=fleet,
                           baseline_fuel=baseline_fuel, progress=progress, target_rows=target_rows,
                           sources=sources, overall_source=overall_source, exports=exports,
                           department=names.get(scope))


def _target_rows(progress: dict, departments: dict) -> list[dict]:
    """Each target with a label: its measure in the reader's language, and the department's code if any."""
    zh = str(_locale()) == "zh"
    return [t | {"label": (t["name_zh"] if zh else t["name"]) + (
        f" · {departments[t['department_id']]['code']}" if t["department_id"] in departments else "")}
        for t in progress.get("targets", [])]


def _chart(period, baseline, months_rows, by_department, cons, fleet, baseline_fuel, target_rows) -> dict:
    """What dashboard.js draws (decimals stay strings, as the reports give them; null where unknown)."""
    return {
        "labels": {"period": period, "baseline": baseline, "cny": _("CNY"), "pct": "%",
                   "reams": _("reams per person"), "litres": _("L/100 km"),
                   "target": _("Target change (%)"), "actual": _("Change so far (%)"),
                   "green": _("Green share (%)")},
        "monthly": {"keys": [r["key"] for r in months_rows], "period": [r["spend"] for r in months_rows],
                    "baseline": [r["baseline_spend"] for r in months_rows]},
        "departments": {"keys": [g["key"] for g in by_department["groups"]],
                        "period": [g["spend"] for g in by_department["groups"]],
                        "baseline": [g["baseline_spend"] for g in by_department["groups"]]},
        "green": {"period": cons["current"].get("green_share_pct"),
                  "baseline": cons["previous"].get("green_share_pct")},
        "paper": {"period": cons["current"].get("paper_reams_per_person"),
                  "baseline": cons["previous"].get("paper_reams_per_person")},
        "fuel": {"period": fleet["total"].get("litres_per_100km"), "baseline": baseline_fuel},
        "targets": {"keys": [t["label"] for t in target_rows],
                    "target": [f"-{t['reduction_pct']}" for t in target_rows],
                    "actual": [t["change_pct"] for t in target_rows]},
    }


def _locale():
    from flask_babel import get_locale

    return get_locale()


@blp.get("/app/finance/export", endpoint="export")
@login_required
def export():
    """One report as a CSV or XLSX file, with the dashboard's access rules (a head: their department)."""
    from api.reports.export import download

    kind, fmt = request.args.get("kind", ""), request.args.get("format", "csv")
    if kind not in KINDS:
        return error_page(BadQuery("unknown report", {"kind": [_("One of: %(kinds)s.", kinds=", ".join(KINDS))]}))
    if fmt not in FORMATS:
        return error_page(BadQuery("unknown format", {"format": [_("CSV or XLSX.")]}))
    group_by = request.args.get("group_by") or None
    if group_by and group_by not in GROUPS[kind]:
        return error_page(BadQuery("unknown grouping", {"group_by": [", ".join(GROUPS[kind]) or "-"]}))
    query = _query()
    result = reports.report(kind, web_actor(), uow(), group_by=group_by, **query)
    return download(kind, result["report"], fmt)
