"""CSV and XLSX of a report: the period, the units, and column names in English and Chinese."""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

COLUMNS = {
    "key": ("Group", "分组"), "department": ("Department", "部门"), "category": ("Category", "类别"),
    "month": ("Month", "月份"), "vehicle": ("Vehicle", "车辆"),
    "spend": ("Spend (CNY)", "支出（元）"), "baseline_spend": ("Baseline spend (CNY)", "基期支出（元）"),
    "change_pct": ("Change (%)", "变化（%）"), "spend_per_person": ("Spend per person (CNY)", "人均支出（元）"),
    "baseline_per_person": ("Baseline per person (CNY)", "基期人均支出（元）"),
    "trips": ("Trips", "出车次数"), "km": ("Kilometres", "里程（公里）"), "fuel_km": ("Kilometres on fuel", "燃油里程（公里）"),
    "litres": ("Fuel (L)", "燃油（升）"), "kwh": ("Electricity (kWh)", "电（千瓦时）"),
    "fuel_cost": ("Fuel cost (CNY)", "燃料费（元）"), "tolls_and_parking": ("Tolls and parking (CNY)", "路桥停车费（元）"),
    "maintenance_cost": ("Maintenance (CNY)", "维修保养费（元）"), "cost": ("Cost (CNY)", "费用（元）"),
    "cost_per_km": ("Cost per km (CNY)", "每公里费用（元）"), "fuel_anomalies": ("Fuel anomalies", "油耗异常次数"),
    "baseline_cost": ("Baseline cost (CNY)", "基期费用（元）"), "baseline_km": ("Baseline kilometres", "基期里程（公里）"),
    "cost_change_pct": ("Cost change (%)", "费用变化（%）"),
    "metric": ("Measure", "指标"), "unit": ("Unit", "单位"), "current": ("Period", "本期"),
    "previous": ("Baseline", "基期"),
}
MEASURES = {
    "paper_reams": ("Paper", "用纸"), "paper_reams_per_person": ("Paper per person", "人均用纸"),
    "toner_units": ("Toner and ink cartridges", "硒鼓墨盒"), "toner_units_per_person": ("Cartridges per person", "人均硒鼓墨盒"),
    "single_use_units": ("Single-use items", "一次性用品"), "single_use_units_per_person": ("Single-use items per person", "人均一次性用品"),
    "spend": ("Spend (CNY)", "支出（元）"), "green_spend": ("Spend on green items (CNY)", "绿色产品支出（元）"),
    "green_share_pct": ("Green share (%)", "绿色采购占比（%）"), "swapped_value": ("Swapped to green (CNY)", "改选绿色产品金额（元）"),
    "blocked_requests": ("Blocked requests", "被拦截申请数"), "blocked_value": ("Blocked value (CNY)", "被拦截金额（元）"),
}
TITLES = {"expenditure": ("Expenditure", "支出报表"), "consumption": ("Consumption", "消耗报表"),
          "vehicles": ("Official vehicles", "公务用车报表")}


def _label(name: str) -> str:
    en, zh = COLUMNS.get(name, (name, name))
    return f"{en} / {zh}"


def table(kind: str, report: dict) -> tuple[list[str], list[list]]:
    """(headers, rows) of the report's main table; totals last."""
    if kind == "consumption":
        headers = [_label(c) for c in ("metric", "current", "previous", "change_pct")]
        rows = [[f"{MEASURES[m][0]} / {MEASURES[m][1]}", report["current"].get(m), report["previous"].get(m),
                 report["change_pct"].get(m)] for m in MEASURES]
        return headers, rows
    fields = [f for f in (report["groups"][0] if report["groups"] else report["total"]) if f != "key"]
    group = report.get("group_by", "key")
    headers = [_label(group)] + [_label(f) for f in fields]
    rows = [[g["key"]] + [g.get(f) for f in fields] for g in report["groups"]]
    rows.append(["Total / 合计"] + [report["total"].get(f) for f in fields])
    return headers, rows


def preamble(kind: str, report: dict) -> list[list]:
    en, zh = TITLES[kind]
    return [[f"{en} / {zh}"], [f"Period / 期间: {report['period']}", f"Baseline / 基期: {report['baseline']}"],
            ["Currency / 币种: CNY; paper in reams of 500 sheets / 用纸单位：令（500张）"], []]


# OWASP "CSV injection": a spreadsheet runs a cell that starts with one of these as a formula
# (=HYPERLINK(...), +cmd|..., -2+3, @SUM(...)); Excel also reads the full-width forms a Chinese
# input method types. Department names, categories and plates are typed by people, so every
# text cell of every export passes through `cell`.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def cell(value):
    """One cell of an export: numbers (and text that is exactly a number, like "-12.50") as they
    are; text a spreadsheet would run as a formula behind a single quote, so it is shown, not run."""
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    # Control characters XML cannot carry would make the XLSX writer fail: shown as the replacement character.
    text = _NOT_IN_XML.sub("\ufffd", str(value))
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def _rows(kind: str, report: dict) -> list[list]:
    """Everything an export writes, every value through `cell`."""
    headers, rows = table(kind, report)
    return [[cell(v) for v in row] for row in preamble(kind, report) + [headers] + rows]


def to_csv(kind: str, report: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(["" if v is None else v for v in row] for row in _rows(kind, report))
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def _number_in_excel(value):
    # Numbers as numbers, so finance can add them up in Excel; a negative one stays a number.
    if isinstance(value, str) and _NUMBER.fullmatch(value) or isinstance(value, Decimal):
        return float(Decimal(value))
    return value


def to_xlsx(kind: str, report: dict) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = kind
    for row in _rows(kind, report):
        sheet.append([_number_in_excel(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def download(kind: str, report: dict, fmt: str):
    """The report as a file to save: jieyue-<kind>-<period>.<csv|xlsx>."""
    import re

    from flask import Response

    body = (to_csv if fmt == "csv" else to_xlsx)(kind, report)
    period = re.sub(r"[^A-Za-z0-9-]+", "_", report["period"].replace("..", "_to_")).strip("_")
    return Response(body, mimetype=MIMETYPES[fmt], headers={
        "Content-Disposition": f"attachment; filename=jieyue-{kind}-{period}.{fmt}",
        "Cache-Control": "private, no-store"})
