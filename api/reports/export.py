"""CSV and XLSX of a report: the period, the units, and column names in English and Chinese."""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from workflow.kernel.texts import NC_, ptext

# Gettext contexts (spelled out in each NC_ too, for extraction): a column's name can read differently
# from the same English word elsewhere ("Period" is the report's period in a column, the span covered
# in the preamble).
COLUMN = "report column"
EXPORT = "report export"

COLUMNS = {
    "key": NC_("report column", "Group"),
    "department": NC_("report column", "Department"),
    "category": NC_("report column", "Category"),
    "month": NC_("report column", "Month"),
    "vehicle": NC_("report column", "Vehicle"),
    "spend": NC_("report column", "Spend (CNY)"),
    "baseline_spend": NC_("report column", "Baseline spend (CNY)"),
    "change_pct": NC_("report column", "Change (%)"),
    "spend_per_person": NC_("report column", "Spend per person (CNY)"),
    "baseline_per_person": NC_("report column", "Baseline per person (CNY)"),
    "trips": NC_("report column", "Trips"),
    "km": NC_("report column", "Kilometres"),
    "fuel_km": NC_("report column", "Kilometres on fuel"),
    "litres": NC_("report column", "Fuel (L)"),
    "kwh": NC_("report column", "Electricity (kWh)"),
    "fuel_cost": NC_("report column", "Fuel cost (CNY)"),
    "tolls_and_parking": NC_("report column", "Tolls and parking (CNY)"),
    "maintenance_cost": NC_("report column", "Maintenance (CNY)"),
    "cost": NC_("report column", "Cost (CNY)"),
    "cost_per_km": NC_("report column", "Cost per km (CNY)"),
    "fuel_anomalies": NC_("report column", "Fuel anomalies"),
    "baseline_cost": NC_("report column", "Baseline cost (CNY)"),
    "baseline_km": NC_("report column", "Baseline kilometres"),
    "cost_change_pct": NC_("report column", "Cost change (%)"),
    "metric": NC_("report column", "Measure"),
    "unit": NC_("report column", "Unit"),
    "current": NC_("report column", "Period"),
    "previous": NC_("report column", "Baseline"),
}
MEASURES = {
    "paper_reams": NC_("report column", "Paper"),
    "paper_reams_per_person": NC_("report column", "Paper per person"),
    "toner_units": NC_("report column", "Toner and ink cartridges"),
    "toner_units_per_person": NC_("report column", "Cartridges per person"),
    "single_use_units": NC_("report column", "Single-use items"),
    "single_use_units_per_person": NC_("report column", "Single-use items per person"),
    "spend": NC_("report column", "Spend (CNY)"),
    "green_spend": NC_("report column", "Spend on green items (CNY)"),
    "green_share_pct": NC_("report column", "Green share (%)"),
    "swapped_value": NC_("report column", "Swapped to green (CNY)"),
    "blocked_requests": NC_("report column", "Blocked requests"),
    "blocked_value": NC_("report column", "Blocked value (CNY)"),
}
TITLES = {
    "expenditure": NC_("report export", "Expenditure"),
    "consumption": NC_("report export", "Consumption"),
    "vehicles": NC_("report export", "Official vehicles"),
}
TOTAL = NC_("report export", "Total")
PERIOD, BASELINE = NC_("report export", "Period"), NC_("report export", "Baseline")
CURRENCY, UNITS = NC_("report export", "Currency"), NC_("report export", "paper in reams of 500 sheets")


def _both(context: str, message_id: str) -> str:
    """English and Chinese side by side: an export is read in both, whatever the downloader's language."""
    return f"{ptext(context, message_id, 'en')} / {ptext(context, message_id, 'zh')}"


def _label(name: str) -> str:
    return _both(COLUMN, COLUMNS.get(name, name))


def table(kind: str, report: dict) -> tuple[list[str], list[list]]:
    """(headers, rows) of the report's main table; totals last."""
    if kind == "consumption":
        headers = [_label(c) for c in ("metric", "current", "previous", "change_pct")]
        rows = [[_both(COLUMN, MEASURES[m]), report["current"].get(m), report["previous"].get(m),
                 report["change_pct"].get(m)] for m in MEASURES]
        return headers, rows
    fields = [f for f in (report["groups"][0] if report["groups"] else report["total"]) if f != "key"]
    group = report.get("group_by", "key")
    headers = [_label(group)] + [_label(f) for f in fields]
    rows = [[g["key"]] + [g.get(f) for f in fields] for g in report["groups"]]
    rows.append([_both(EXPORT, TOTAL)] + [report["total"].get(f) for f in fields])
    return headers, rows


def preamble(kind: str, report: dict) -> list[list]:
    return [[_both(EXPORT, TITLES[kind])],
            [f"{_both(EXPORT, PERIOD)}: {report['period']}", f"{_both(EXPORT, BASELINE)}: {report['baseline']}"],
            [f"{_both(EXPORT, CURRENCY)}: CNY; {_both(EXPORT, UNITS)}"], []]


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
