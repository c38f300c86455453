"""Finance's reports on PostgreSQL through real HTTP: the same core checks as tests/http/test_reports.py.

The SQL differs by dialect (month keys via timezone()/to_char, JSON ->> for blocked totals,
INSERT .. ON CONFLICT for snapshots), so the figures are checked again here. Every expected
figure is worked out by hand from the rows listed in tests/http/report_data.py (GEN 12, FIN 6,
LOG 8 people, 26 in all).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from urllib.parse import urlencode

import pytest
import requests
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.http.report_data import (FLEET_PLATES, ReportData, error_fields, figures, fleet_dataset, groups, office,
                               office_today, supply_dataset, target_dataset)
from workflow.kernel.outbox import OutboxEvent
from workflow.reporting import reports
from workflow.reporting.snapshots import ReportSnapshot

REPORTS = "/api/v1/reports"


@pytest.fixture
def runtime(pg_app):
    return pg_app.extensions["jieyue"]


def report(http, kind: str, user: str = "finance", **params) -> dict:
    status, body = http.get(user, f"{REPORTS}/{kind}?{urlencode(params)}")
    assert status == 200, body
    return body["report"]


def count(runtime, model, *where) -> int:
    with runtime.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def download(live, http, user: str, path: str) -> requests.Response:
    return requests.get(live.url + path, headers={"Authorization": f"Bearer {http.token(user)}"}, timeout=60)


# ---- expenditure -------------------------------------------------------------------------------

def test_expenditure_by_department_on_postgresql_gives_spend_change_and_spend_per_person(runtime, http):
    supply_dataset(runtime)
    rep = report(http, "expenditure", period="2026-Q3", group_by="department")
    assert (rep["period"], rep["baseline"], rep["headcount"]) == ("2026-Q3", "2025-Q3", 26)  # 12 + 6 + 8
    g = groups(rep)
    assert set(g) == {"GEN", "FIN", "LOG"}
    figures(g["GEN"], {"spend": "1880.00",            # C1 1200 + C2 520 + C3 160
                       "baseline_spend": "1440.00",   # B1
                       "change_pct": "30.6",          # 440 / 1440 = 30.555..%
                       "spend_per_person": "156.67",  # 1880 / 12
                       "baseline_per_person": "120.00"})  # 1440 / 12
    figures(g["FIN"], {"spend": "1100.00",            # C4 840 + C6 260 (X1 is Q4 in the office)
                       "baseline_spend": "1500.00",   # B2 1260 + B4 240
                       "change_pct": "-26.7",         # -400 / 1500
                       "spend_per_person": "183.33"})  # 1100 / 6
    figures(g["LOG"], {"spend": "90.00", "baseline_spend": "180.00", "change_pct": "-50.0",
                       "spend_per_person": "11.25"})  # 90 / 8
    figures(rep["total"], {"spend": "3070.00",        # 1880 + 1100 + 90
                           "baseline_spend": "3120.00",  # 1440 + 1500 + 180
                           "change_pct": "-1.6",      # -50 / 3120 = -1.602..%
                           "spend_per_person": "118.08",  # 3070 / 26 = 118.076..
                           "baseline_per_person": "120.00"})  # 3120 / 26


def test_expenditure_by_category_and_by_office_month_on_postgresql(runtime, http):
    supply_dataset(runtime)
    cat = groups(report(http, "expenditure", period="2026-Q3", group_by="category"))
    assert set(cat) == {"paper", "toner", "tableware"}
    figures(cat["paper"], {"spend": "1980.00",        # C1 1200 + C2 520 + C6 260
                           "baseline_spend": "1680.00",  # B1 1440 + B4 240
                           "change_pct": "17.9",      # 300 / 1680 = 17.857..%
                           "spend_per_person": "76.15"})  # 1980 / 26 = 76.153..
    figures(cat["toner"], {"spend": "1000.00", "baseline_spend": "1260.00",
                           "change_pct": "-20.6"})    # -260 / 1260 = -20.634..%
    month = report(http, "expenditure", period="2026-Q3", group_by="month")
    assert [g["key"] for g in month["groups"]] == ["2026-07", "2026-08", "2026-09"]
    m = groups(month)
    figures(m["2026-07"], {"spend": "1290.00",        # C1 1200 + C5 90 (30 June 16:30 UTC = 1 July office)
                           "baseline_spend": "1440.00", "change_pct": "-10.4"})  # -150 / 1440
    figures(m["2026-08"], {"spend": "780.00",         # C2 520 + C6 260
                           "baseline_spend": "1500.00",  # B2 1260 + B4 240 (31 July 16:30 UTC = 1 August office)
                           "change_pct": "-48.0"})    # -720 / 1500
    figures(m["2026-09"], {"spend": "1000.00",        # C3 160 + C4 840 (23:30 on 30 September)
                           "baseline_spend": "180.00", "change_pct": "455.6"})  # 820 / 180


def test_the_office_zone_decides_the_quarter_and_a_date_range_compares_the_same_dates_on_postgresql(runtime, http):
    d = ReportData(runtime)
    d.purchase("GEN", "paper", "ream", "1", "100.00", office(2026, 9, 30, 23, 30))   # 15:30 UTC, Q3
    d.purchase("GEN", "paper", "ream", "1", "1000.00", office(2026, 10, 1, 0, 30))   # 16:30 UTC on 30 Sept, Q4
    d.purchase("GEN", "paper", "ream", "1", "40.00", office(2026, 8, 31, 23, 59))    # the range's last minute
    d.purchase("GEN", "paper", "ream", "1", "7.00", office(2026, 9, 1, 0, 1))        # just after the range
    d.purchase("FIN", "paper", "ream", "1", "25.00", office(2025, 7, 1, 0, 30))      # baseline's first half hour
    q3 = report(http, "expenditure", period="2026-Q3", group_by="month")
    assert {g["key"]: Decimal(g["spend"]) for g in q3["groups"]} == {
        "2026-08": Decimal("40.00"),
        "2026-09": Decimal("107.00"),  # 100.00 + 7.00; the 1000.00 is October in the office
        "2026-07": Decimal("0.00")}    # shown for the baseline's July 25.00
    rng = report(http, "expenditure", period="2026-07-01..2026-08-31")
    assert (rng["period"], rng["baseline"]) == ("2026-07-01..2026-08-31", "2025-07-01..2025-08-31")
    figures(rng["total"], {"spend": "40.00", "baseline_spend": "25.00",
                           "change_pct": "60.0"})  # 15 / 25


# ---- consumption -------------------------------------------------------------------------------

def test_consumption_on_postgresql_counts_reams_units_green_share_swaps_and_blocked_requests(runtime, http):
    supply_dataset(runtime)
    rep = report(http, "consumption", period="2026-Q3")
    assert rep["headcount"] == 26
    figures(rep["current"], {
        "paper_reams": "80.00",          # C1 50 + C2 4 boxes x 5 + C6 10
        "toner_units": "3",              # C3 1 + C4 2
        "single_use_units": "10",        # C5
        "green_spend": "940.00",         # C2 520 + C3 160 + C6 260
        "green_share_pct": "30.6",       # 940 / 3070 = 30.618..%
        "swapped_value": "516.00",       # C3 160 + C6 260 + S1 96
        "blocked_requests": 2,           # K1 once, K2
        "blocked_value": "1650.00",      # K1's last 450 + K2 1200
        "paper_reams_per_person": "3.08",        # 80 / 26
        "single_use_units_per_person": "0.38"})  # 10 / 26
    figures(rep["previous"], {"paper_reams": "70.00",   # B1 60 + B4 2 x 5
                              "single_use_units": "20"})  # B3
    assert rep["change_pct"] == {"paper_reams": "14.3", "toner_units": "0.0", "single_use_units": "-50.0",
                                 "spend": "-1.6"}        # 10/70, 3 vs 3, -10/20, -50/3120
    head = report(http, "consumption", "head1", period="2026-Q3")
    figures(head["current"], {"paper_reams": "70.00",   # C1 50 + C2 20
                              "green_share_pct": "36.2",  # 680 / 1880
                              "swapped_value": "160.00",  # C3
                              "blocked_requests": 1, "blocked_value": "450.00"})  # K1


# ---- vehicles ----------------------------------------------------------------------------------

def test_vehicles_by_vehicle_on_postgresql_with_fuel_from_fuel_logs_and_litres_per_100_fuel_km(runtime, http):
    fleet_dataset(runtime)
    rep = report(http, "vehicles", period="2025-Q3", group_by="vehicle")
    g = groups(rep)
    assert set(g) == set(FLEET_PLATES)
    figures(g["晋A·R5001"], {
        "trips": 3, "km": "250.0",       # 120 + 80 + 50 (T4 arrives 00:30 on 1 October)
        "litres": "24.40",               # 10.80 + 9.60 + 4.00
        "fuel_cost": "400.00",           # fuel logs 240 + 160
        "tolls_and_parking": "45.00",    # 40 + 5
        "maintenance_cost": "600.00",
        "cost": "1045.00", "cost_per_km": "4.18",  # 1045 / 250
        "fuel_anomalies": 1,
        "baseline_cost": "840.00",       # 320 + 20 + 500
        "cost_change_pct": "24.4"})      # 205 / 840
    figures(g["晋A·R5002"], {"km": "100.0", "fuel_km": "0.0", "litres": "0.00",
                             "kwh": "15.40",       # 9.00 + 6.40
                             "cost": "341.00"})    # 16 + 25 + 300
    figures(g["晋A·R5003"], {"trips": 0, "cost": "758.00", "cost_per_km": None})  # 308 + 450
    figures(rep["total"], {"trips": 5, "km": "350.0", "fuel_km": "250.0", "litres": "24.40", "kwh": "15.40",
                           "cost": "2144.00",      # 1045 + 341 + 758
                           "cost_per_km": "6.13",  # 2144 / 350
                           "litres_per_100km": "9.76"})  # 24.40 x 100 / 250
    figures(rep["avoided"], {"trips": 3,           # A1, A2, A3
                             "km": "35.5",         # 2 x (2.5 + 12.0 + 3.25)
                             "litres_saved": "2.84",   # 35.5 x 8 / 100
                             "co2_kg_saved": "6.5"})   # 2.84 x 2.30 = 6.532


def test_vehicles_by_department_on_postgresql_charge_each_trip_to_its_first_request(runtime, http):
    fleet_dataset(runtime)
    g = groups(report(http, "vehicles", period="2025-Q3", group_by="department"))
    assert set(g) == {"GEN", "FIN", "LOG"}
    figures(g["GEN"], {"trips": 3, "km": "210.0", "fuel_km": "170.0", "litres": "14.80", "kwh": "6.40",
                       "fuel_cost": "123.52",    # 86.40 + 32.00 + 5.12
                       "tolls_and_parking": "55.00", "cost": "178.52",
                       "cost_per_km": "0.85",    # 178.52 / 210
                       "baseline_cost": "164.00", "cost_change_pct": "8.9"})  # 14.52 / 164
    figures(g["FIN"], {"trips": 1, "km": "80.0", "cost": "81.80", "fuel_anomalies": 1})  # 76.80 + 5
    figures(g["LOG"], {"trips": 1, "kwh": "9.00", "cost": "17.20", "cost_per_km": "0.29"})  # 17.20 / 60


def test_a_vehicle_refuelled_but_neither_driven_nor_maintained_still_shows_its_fuel_cost_on_postgresql(
        runtime, http):
    fleet_dataset(runtime)
    d = ReportData(runtime)
    v4 = d.vehicle("晋A·R5004", "petrol", "8.00")
    d.fuel_log(v4, office(2025, 8, 20), "35.00", "280.00")
    rep = report(http, "vehicles", period="2025-Q3", group_by="vehicle")
    assert "晋A·R5004" in groups(rep), sorted(groups(rep))
    figures(rep["total"], {"fuel_cost": "1004.00", "cost": "2424.00"})  # 724 + 280, 2144 + 280


# ---- access and bad input ----------------------------------------------------------------------

def test_report_access_on_postgresql_staff_refused_head_own_department_finance_all(runtime, http):
    supply_dataset(runtime)
    fin = ReportData(runtime).dept["FIN"]
    status, body = http.get("staff1", f"{REPORTS}/expenditure?period=2026-Q3")
    assert status == 403, body
    head = report(http, "expenditure", "head1", period="2026-Q3")
    assert [g["key"] for g in head["groups"]] == ["GEN"]
    figures(head["total"], {"spend": "1880.00", "spend_per_person": "156.67"})  # 1880 / 12
    status, body = http.get("head1", f"{REPORTS}/expenditure?period=2026-Q3&department_id={fin}")
    assert status == 403, body
    everyone = report(http, "expenditure", period="2026-Q3")
    assert {g["key"] for g in everyone["groups"]} == {"GEN", "FIN", "LOG"}


@pytest.mark.parametrize("query, field", [
    ("period=2026-Q3&group_by=vehicle", "group_by"),
    ("period=2026-Q3&group_by=colour", "group_by"),
    ("period=2026-13", "period"),
    ("period=2026-Q5", "period"),
    ("period=abc", "period"),
    ("period=2026-Q3&baseline=2026-Q4", "baseline"),
    ("group_by=month", "period"),
])
def test_bad_report_queries_on_postgresql_answer_400_naming_the_field(http, query, field):
    status, body = http.get("finance", f"{REPORTS}/expenditure?{query}")
    assert status == 400, body
    assert field in error_fields(body), body


def test_a_period_in_the_future_is_refused_on_postgresql(http):
    status, body = http.get("finance", f"{REPORTS}/consumption?period={office_today().year + 1}")
    assert status == 400, body
    assert "period" in error_fields(body), body


# ---- targets -----------------------------------------------------------------------------------

def test_targets_on_postgresql_are_set_by_finance_and_show_one_on_track_and_one_not(runtime, http):
    today = office_today()
    target_dataset(runtime, today.year)
    for user, metric, pct in (("finance", "supply_spend", "10.0"), ("admin", "paper_reams_per_person", "5.0")):
        status, body = http.call(user, "PUT", "/api/v1/targets", json={"year": today.year, "metric": metric,
                                                                        "reduction_pct": pct})
        assert status == 200, body
    status, body = http.call("staff1", "PUT", "/api/v1/targets", json={"year": today.year, "metric": "supply_spend",
                                                                        "reduction_pct": "1.0"})
    assert status == 403, body
    status, body = http.call("finance", "PUT", "/api/v1/targets", json={"year": today.year, "metric": "joy",
                                                                         "reduction_pct": "1.0"})
    assert 400 <= status < 500 and "metric" in error_fields(body), (status, body)
    status, body = http.get("finance", f"{REPORTS}/targets?year={today.year}")
    assert status == 200, body
    days_in_year = (dt.date(today.year + 1, 1, 1) - dt.date(today.year, 1, 1)).days
    # Days from 1 January to today inclusive over the days of the year, one decimal.
    assert Decimal(body["elapsed_pct"]) == (Decimal(today.timetuple().tm_yday * 100) / days_in_year).quantize(
        Decimal("0.1"))
    assert "Pro-rated" in body["note"]
    rows = {t["metric"]: t for t in body["targets"]}
    figures(rows["supply_spend"], {"value": "1040.00",          # 52 x 20.00
                                   "baseline_value": "1248.00",  # 39 x 32.00
                                   "change_pct": "-16.7",        # -208 / 1248
                                   "on_track": True})            # at least 10 % down
    figures(rows["paper_reams_per_person"], {"value": "2.00",    # 52 / 26
                                             "baseline_value": "1.50",  # 39 / 26
                                             "change_pct": "33.3",      # 0.5 / 1.5
                                             "on_track": False})


# ---- snapshots ---------------------------------------------------------------------------------

def test_snapshots_on_postgresql_are_served_until_live_and_a_recompile_replaces_the_one_row(runtime, http):
    supply_dataset(runtime)
    path = f"{REPORTS}/expenditure?period=2026-Q3&group_by=department"
    status, body = http.post("finance", f"{REPORTS}/expenditure/compile", {"period": "2026-Q3",
                                                                          "group_by": "department"})
    assert status == 201, body
    key = body["key"]
    status, body = http.post("finance", f"{REPORTS}/expenditure/compile", {"period": "2026-Q3",
                                                                          "group_by": "department"})
    assert (status, body["key"]) == (201, key)
    assert count(runtime, ReportSnapshot, ReportSnapshot.report == "expenditure", ReportSnapshot.key == key) == 1
    snap = http.get("finance", path)[1]
    assert (snap["source"], Decimal(snap["report"]["total"]["spend"])) == ("snapshot", Decimal("3070.00"))
    ReportData(runtime).purchase("LOG", "cleaning", "pack", "2", "16.00", office(2026, 9, 2))  # + 32.00
    snap = http.get("finance", path)[1]
    assert (snap["source"], Decimal(snap["report"]["total"]["spend"])) == ("snapshot", Decimal("3070.00"))
    live = http.get("finance", path + "&live=true")[1]
    assert (live["source"], Decimal(live["report"]["total"]["spend"])) == ("live", Decimal("3102.00"))  # 3070 + 32


# ---- exports -----------------------------------------------------------------------------------

def test_csv_and_xlsx_exports_on_postgresql_carry_the_period_bilingual_headers_and_totals(runtime, http, live):
    supply_dataset(runtime)
    path = f"{REPORTS}/expenditure?period=2026-Q3&group_by=department"
    resp = download(live, http, "finance", path + "&format=csv")
    assert resp.status_code == 200, resp.text[:500]
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert ["Period / 期间: 2026-Q3", "Baseline / 基期: 2025-Q3"] in rows
    header = next(r for r in rows if r and r[0] == "Department / 部门")
    assert header[1] == "Spend (CNY) / 支出（元）"
    total = next(r for r in rows if r and r[0] == "Total / 合计")
    # 3070.00, 3120.00, -1.6 %, 3070 / 26 = 118.08, 3120 / 26 = 120.00
    assert total[1:6] == ["3070.00", "3120.00", "-1.6", "118.08", "120.00"]

    resp = download(live, http, "finance", path + "&format=xlsx")
    assert resp.status_code == 200, resp.text[:500]
    sheet = load_workbook(io.BytesIO(resp.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header in [[str(v) for v in r[:len(header)]] for r in rows]
    total = next(r for r in rows if r[0] == "Total / 合计")
    assert all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in total[1:6]), total  # not text
    assert total[1:6] == [pytest.approx(3070.00), pytest.approx(3120.00), pytest.approx(-1.6),
                          pytest.approx(118.08), pytest.approx(120.00)]


# ---- the monthly digest ------------------------------------------------------------------------

def test_the_monthly_digest_on_postgresql_is_emitted_once_and_reaches_finance_and_heads(runtime, http):
    supply_dataset(runtime)
    assert reports.monthly_digest(runtime.uow(), dt.date(2026, 10, 1)) is not None
    assert reports.monthly_digest(runtime.uow(), dt.date(2026, 10, 1)) is None
    with runtime.uow() as uow:
        events = uow.session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "report.monthly_digest")).all()
        assert [(e.aggregate_id, e.payload["period"]) for e in events] == [(202609, "2026-09")]
        assert (events[0].payload["spend"], events[0].payload["spend_change_pct"]) == (
            "1000.00",   # C3 160 + C4 840
            "455.6")     # against B3 180.00: 820 / 180
    for user in ("finance", "head1", "head2"):
        status, inbox = http.get(user, "/api/v1/notifications")
        assert status == 200, inbox
        assert len([n for n in inbox["items"] if n["topic"] == "report.monthly_digest"]) == 1, (user, inbox)
    status, inbox = http.get("staff1", "/api/v1/notifications")
    assert not [n for n in inbox["items"] if n["topic"] == "report.monthly_digest"]
