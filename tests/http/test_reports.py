"""Finance's reports on SQLite: expenditure, consumption, vehicles, targets, snapshots, exports, the digest.

Every expected figure is worked out by hand from the rows listed in tests/http/report_data.py; the
arithmetic is in the comment beside it. Headcounts: GEN 12, FIN 6, LOG 8, 26 in all.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.http.report_data import (FLEET_PLATES, ReportData, error_fields, figures, fleet_dataset, groups, office,
                               office_today, supply_dataset, target_dataset)
from workflow.kernel.outbox import OutboxEvent
from workflow.notifications.notices import Notification
from workflow.reporting import reports
from workflow.reporting.snapshots import ReportSnapshot
from workflow.reporting.targets import ReductionTarget

REPORTS = "/api/v1/reports"


# ---- helpers -----------------------------------------------------------------------------------

def get_report(client, kind: str, user: str = "finance", **params) -> dict:
    status, body = client.get(user, f"{REPORTS}/{kind}?{urlencode(params)}")
    assert status == 200, body
    return body


def report(client, kind: str, user: str = "finance", **params) -> dict:
    return get_report(client, kind, user, **params)["report"]


def raw_get(app, client, user: str, path: str):
    resp = app.test_client().get(path, headers={"Authorization": f"Bearer {client.token(user)}"})
    return resp


def count(runtime, model, *where) -> int:
    with runtime.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


# ---- expenditure -------------------------------------------------------------------------------

def test_expenditure_by_department_gives_spend_baseline_change_and_spend_per_person(client, runtime):
    supply_dataset(runtime)
    rep = report(client, "expenditure", period="2026-Q3", group_by="department")
    assert (rep["period"], rep["baseline"], rep["group_by"], rep["currency"]) == ("2026-Q3", "2025-Q3", "department",
                                                                                   "CNY")
    assert rep["headcount"] == 26  # 12 + 6 + 8
    g = groups(rep)
    assert set(g) == {"GEN", "FIN", "LOG"}
    figures(g["GEN"], {
        "spend": "1880.00",             # C1 1200.00 + C2 520.00 + C3 160.00
        "baseline_spend": "1440.00",    # B1
        "change_pct": "30.6",           # (1880 - 1440) / 1440 = 30.555..%
        "spend_per_person": "156.67",   # 1880 / 12 = 156.666..
        "baseline_per_person": "120.00"})  # 1440 / 12
    figures(g["FIN"], {
        "spend": "1100.00",             # C4 840.00 + C6 260.00 (X1 on 1 October is Q4)
        "baseline_spend": "1500.00",    # B2 1260.00 + B4 240.00
        "change_pct": "-26.7",          # (1100 - 1500) / 1500 = -26.666..%
        "spend_per_person": "183.33",   # 1100 / 6 = 183.333..
        "baseline_per_person": "250.00"})  # 1500 / 6
    figures(g["LOG"], {
        "spend": "90.00",               # C5 (1 July 00:30 office time)
        "baseline_spend": "180.00",     # B3
        "change_pct": "-50.0",          # (90 - 180) / 180
        "spend_per_person": "11.25",    # 90 / 8
        "baseline_per_person": "22.50"})  # 180 / 8
    figures(rep["total"], {
        "spend": "3070.00",             # 1880 + 1100 + 90
        "baseline_spend": "3120.00",    # 1440 + 1500 + 180
        "change_pct": "-1.6",           # (3070 - 3120) / 3120 = -1.602..%
        "spend_per_person": "118.08",   # 3070 / 26 = 118.076..
        "baseline_per_person": "120.00"})  # 3120 / 26


def test_expenditure_by_category_uses_the_whole_office_headcount_per_person(client, runtime):
    supply_dataset(runtime)
    rep = report(client, "expenditure", period="2026-Q3", group_by="category")
    g = groups(rep)
    assert set(g) == {"paper", "toner", "tableware"}
    figures(g["paper"], {
        "spend": "1980.00",             # C1 1200 + C2 520 + C6 260
        "baseline_spend": "1680.00",    # B1 1440 + B4 240
        "change_pct": "17.9",           # 300 / 1680 = 17.857..%
        "spend_per_person": "76.15",    # 1980 / 26 = 76.153..
        "baseline_per_person": "64.62"})  # 1680 / 26 = 64.615..
    figures(g["toner"], {
        "spend": "1000.00",             # C3 160 + C4 840
        "baseline_spend": "1260.00",    # B2
        "change_pct": "-20.6",          # -260 / 1260 = -20.634..%
        "spend_per_person": "38.46",    # 1000 / 26 = 38.461..
        "baseline_per_person": "48.46"})  # 1260 / 26 = 48.461..
    figures(g["tableware"], {
        "spend": "90.00", "baseline_spend": "180.00", "change_pct": "-50.0",
        "spend_per_person": "3.46",     # 90 / 26 = 3.461..
        "baseline_per_person": "6.92"})  # 180 / 26 = 6.923..
    figures(rep["total"], {"spend": "3070.00", "baseline_spend": "3120.00", "change_pct": "-1.6"})


def test_expenditure_by_month_puts_each_delivery_in_its_office_month_against_the_same_month_a_year_before(
        client, runtime):
    supply_dataset(runtime)
    rep = report(client, "expenditure", period="2026-Q3", group_by="month")
    assert [g["key"] for g in rep["groups"]] == ["2026-07", "2026-08", "2026-09"]
    g = groups(rep)
    figures(g["2026-07"], {
        "spend": "1290.00",             # C1 1200 + C5 90 (C5 is 30 June 16:30 UTC, 1 July in the office)
        "baseline_spend": "1440.00",    # B1
        "change_pct": "-10.4",          # -150 / 1440 = -10.416..%
        "spend_per_person": "49.62"})   # 1290 / 26 = 49.615..
    figures(g["2026-08"], {
        "spend": "780.00",              # C2 520 + C6 260
        "baseline_spend": "1500.00",    # B2 1260 + B4 240 (B4 is 31 July 16:30 UTC, 1 August in the office)
        "change_pct": "-48.0",          # -720 / 1500
        "spend_per_person": "30.00"})   # 780 / 26
    figures(g["2026-09"], {
        "spend": "1000.00",             # C3 160 + C4 840 (C4 at 23:30 on 30 September); X1 is October
        "baseline_spend": "180.00",     # B3
        "change_pct": "455.6"})         # 820 / 180 = 455.555..%


def test_a_delivery_at_2330_on_30_september_office_time_is_q3_and_one_at_0030_on_1_october_is_not(client, runtime):
    d = ReportData(runtime)
    d.purchase("GEN", "paper", "ream", "1", "100.00", office(2026, 9, 30, 23, 30))   # 15:30 UTC on 30 September
    d.purchase("GEN", "paper", "ream", "1", "1000.00", office(2026, 10, 1, 0, 30))   # 16:30 UTC on 30 September
    q3 = report(client, "expenditure", period="2026-Q3", group_by="month")
    assert {g["key"]: Decimal(g["spend"]) for g in q3["groups"]} == {"2026-09": Decimal("100.00")}
    assert Decimal(q3["total"]["spend"]) == Decimal("100.00")
    october = report(client, "expenditure", period="2026-10", group_by="month")
    assert {g["key"]: Decimal(g["spend"]) for g in october["groups"]} == {"2026-10": Decimal("1000.00")}
    q4 = report(client, "expenditure", period="2026-Q4")
    assert Decimal(q4["total"]["spend"]) == Decimal("1000.00")


def test_a_date_range_period_is_compared_with_the_same_dates_a_year_earlier(client, runtime):
    supply_dataset(runtime)
    rep = report(client, "expenditure", period="2026-07-01..2026-08-31", group_by="department")
    assert (rep["period"], rep["baseline"]) == ("2026-07-01..2026-08-31", "2025-07-01..2025-08-31")
    g = groups(rep)
    figures(g["GEN"], {"spend": "1720.00",         # C1 1200 + C2 520 (C3 is September)
                       "baseline_spend": "1440.00",  # B1
                       "change_pct": "19.4"})      # 280 / 1440 = 19.444..%
    figures(g["FIN"], {"spend": "260.00",          # C6 (C4 is September)
                       "baseline_spend": "1500.00",  # B2 1260 + B4 240
                       "change_pct": "-82.7"})     # -1240 / 1500 = -82.666..%
    figures(g["LOG"], {"spend": "90.00",           # C5
                       "baseline_spend": "0.00",   # B3 is in September
                       "change_pct": None})        # no baseline, no percentage
    figures(rep["total"], {"spend": "2070.00",     # 1720 + 260 + 90
                           "baseline_spend": "2940.00",  # 1440 + 1500
                           "change_pct": "-29.6",  # -870 / 2940 = -29.591..%
                           "spend_per_person": "79.62",  # 2070 / 26 = 79.615..
                           "baseline_per_person": "113.08"})  # 2940 / 26 = 113.076..


def test_an_explicit_baseline_replaces_the_year_earlier_default(client, runtime):
    supply_dataset(runtime)
    rep = report(client, "expenditure", period="2026-Q3", baseline="2025-08")
    assert rep["baseline"] == "2025-08"
    figures(rep["total"], {"spend": "3070.00",
                           "baseline_spend": "1500.00",  # B2 1260 + B4 240
                           "change_pct": "104.7"})       # 1570 / 1500 = 104.666..%


# ---- consumption -------------------------------------------------------------------------------

def test_consumption_counts_reams_toner_single_use_green_share_swaps_and_blocked_requests(client, runtime):
    supply_dataset(runtime)
    rep = report(client, "consumption", period="2026-Q3")
    assert (rep["period"], rep["baseline"], rep["headcount"]) == ("2026-Q3", "2025-Q3", 26)
    figures(rep["current"], {
        "paper_reams": "80.00",          # C1 50 reams + C2 4 boxes x 5 + C6 10 reams
        "toner_units": "3",              # C3 1 + C4 2 (X1 is Q4)
        "single_use_units": "10",        # C5
        "spend": "3070.00",
        "green_spend": "940.00",         # C2 520 + C3 160 + C6 260
        "green_share_pct": "30.6",       # 940 / 3070 = 30.618..%
        "swapped_value": "516.00",       # C3 160 + C6 260 + S1 3 x 32 = 96 (S2 after Q3, S3 never submitted)
        "blocked_requests": 2,           # K1 (twice, counted once) and K2; K3 is in October
        "blocked_value": "1650.00",      # K1's last total 450 + K2 1200
        "paper_reams_per_person": "3.08",        # 80 / 26 = 3.076..
        "toner_units_per_person": "0.12",        # 3 / 26 = 0.115..
        "single_use_units_per_person": "0.38"})  # 10 / 26 = 0.384..
    figures(rep["previous"], {
        "paper_reams": "70.00",          # B1 60 + B4 2 boxes x 5
        "toner_units": "3",              # B2
        "single_use_units": "20",        # B3
        "spend": "3120.00",
        "green_spend": "0.00",
        "green_share_pct": "0.0",
        "swapped_value": "0.00",
        "blocked_requests": 0,
        "blocked_value": "0.00",
        "paper_reams_per_person": "2.69",        # 70 / 26 = 2.692..
        "single_use_units_per_person": "0.77"})  # 20 / 26 = 0.769..
    assert rep["change_pct"] == {"paper_reams": "14.3",      # 10 / 70 = 14.285..%
                                 "toner_units": "0.0",       # 3 against 3
                                 "single_use_units": "-50.0",  # 10 against 20
                                 "spend": "-1.6"}            # -50 / 3120


def test_a_request_blocked_twice_counts_once_at_its_last_blocked_total(client, runtime):
    d = ReportData(runtime)
    req = d.request("GEN", submitted_at=None, status="draft")
    d.blocked(req, "800.00", office(2026, 8, 1))
    d.blocked(req, "300.00", office(2026, 8, 2))
    d.blocked(req, "650.00", office(2026, 8, 3))
    current = report(client, "consumption", period="2026-Q3")["current"]
    assert (current["blocked_requests"], Decimal(current["blocked_value"])) == (1, Decimal("650.00"))


def test_a_blocked_resubmission_counts_as_the_requests_last_blocked_total(client, runtime):
    # The service writes f"{action}_blocked": a returned request refused again on resubmit leaves
    # `resubmit_blocked`, and that is the request's last blocked total.
    d = ReportData(runtime)
    req = d.request("GEN", submitted_at=office(2026, 7, 2), status="returned")
    d.blocked(req, "500.00", office(2026, 7, 1))
    d.blocked(req, "700.00", office(2026, 7, 20), action="resubmit_blocked")
    current = report(client, "consumption", period="2026-Q3")["current"]
    assert (current["blocked_requests"], Decimal(current["blocked_value"])) == (1, Decimal("700.00"))


# ---- vehicles ----------------------------------------------------------------------------------

def test_vehicles_by_vehicle_give_trips_km_energy_costs_and_anomalies_with_fuel_from_the_fuel_logs(client, runtime):
    fleet_dataset(runtime)
    rep = report(client, "vehicles", period="2025-Q3", group_by="vehicle")
    assert (rep["period"], rep["baseline"], rep["group_by"]) == ("2025-Q3", "2024-Q3", "vehicle")
    g = groups(rep)
    assert set(g) == set(FLEET_PLATES)  # the demo fleet's year of trips starts after 2025-Q3
    figures(g["晋A·R5001"], {
        "trips": 3,                      # T1, T2, T3 (T4 arrives at 00:30 on 1 October)
        "km": "250.0",                   # 120 + 80 + 50
        "fuel_km": "250.0",
        "litres": "24.40",               # 10.80 + 9.60 + 4.00
        "kwh": "0.00",
        "fuel_cost": "400.00",           # fuel logs 240.00 + 160.00 (23:50 on 30 September); not the trips' 195.20
        "tolls_and_parking": "45.00",    # (30 + 10) + (0 + 5) + 0
        "maintenance_cost": "600.00",    # 1 August; 30 June and 1 October are outside
        "cost": "1045.00",               # 400 + 45 + 600
        "cost_per_km": "4.18",           # 1045 / 250
        "fuel_anomalies": 1,             # T2
        "baseline_cost": "840.00",       # 2024-Q3: fuel log 320 + tolls 20 + maintenance 500
        "baseline_km": "200.0",          # T7
        "cost_change_pct": "24.4"})      # 205 / 840 = 24.404..%
    figures(g["晋A·R5002"], {
        "trips": 2, "km": "100.0",       # 60 + 40
        "fuel_km": "0.0", "litres": "0.00",  # electric: no litres, no fuel kilometres
        "kwh": "15.40",                  # 9.00 + 6.40
        "fuel_cost": "16.00",            # the charge on 6 September
        "tolls_and_parking": "25.00",    # 10 + 15
        "maintenance_cost": "300.00",
        "cost": "341.00",                # 16 + 25 + 300
        "cost_per_km": "3.41",           # 341 / 100
        "fuel_anomalies": 0, "baseline_cost": "0.00", "cost_change_pct": None})
    figures(g["晋A·R5003"], {
        "trips": 0, "km": "0", "fuel_cost": "308.00", "maintenance_cost": "450.00",
        "cost": "758.00",                # 308 + 450, maintained but not driven
        "cost_per_km": None, "fuel_anomalies": 0})
    figures(rep["total"], {
        "trips": 5, "km": "350.0",       # 250 + 100
        "fuel_km": "250.0",              # V1 only
        "litres": "24.40", "kwh": "15.40",
        "fuel_cost": "724.00",           # 400 + 16 + 308
        "tolls_and_parking": "70.00",    # 45 + 25
        "cost": "2144.00",               # 1045 + 341 + 758
        "cost_per_km": "6.13",           # 2144 / 350 = 6.125..
        "fuel_anomalies": 1,
        "baseline_cost": "840.00", "baseline_km": "200.0",
        "cost_change_pct": "155.2",      # 1304 / 840 = 155.238..%
        "litres_per_100km": "9.76"})     # 24.40 x 100 / 250 fuel km (not / 350 km, which would be 6.97)


def test_vehicles_by_department_charge_each_trip_to_its_first_request_with_the_fuel_the_trip_recorded(
        client, runtime):
    fleet_dataset(runtime)
    rep = report(client, "vehicles", period="2025-Q3", group_by="department")
    g = groups(rep)
    assert set(g) == {"GEN", "FIN", "LOG"}
    figures(g["GEN"], {
        "trips": 3,                      # T1, T3, T6 (T2 served FIN first)
        "km": "210.0",                   # 120 + 50 + 40
        "fuel_km": "170.0",              # 120 + 50 (T6 is electric)
        "litres": "14.80",               # 10.80 + 4.00
        "kwh": "6.40",                   # T6
        "fuel_cost": "123.52",           # 86.40 + 32.00 + 5.12
        "tolls_and_parking": "55.00",    # 40 + 0 + 15
        "maintenance_cost": None,
        "cost": "178.52",                # 123.52 + 55
        "cost_per_km": "0.85",           # 178.52 / 210 = 0.850..
        "fuel_anomalies": 0,
        "baseline_cost": "164.00",       # T7: 144.00 + 20.00
        "cost_change_pct": "8.9"})       # 14.52 / 164 = 8.853..%
    figures(g["FIN"], {
        "trips": 1, "km": "80.0", "fuel_km": "80.0", "litres": "9.60", "kwh": "0.00",
        "fuel_cost": "76.80", "tolls_and_parking": "5.00",
        "cost": "81.80",                 # 76.80 + 5
        "cost_per_km": "1.02",           # 81.80 / 80 = 1.0225
        "fuel_anomalies": 1, "cost_change_pct": None})
    figures(g["LOG"], {
        "trips": 1, "km": "60.0", "fuel_km": "0.0", "litres": "0.00", "kwh": "9.00",
        "fuel_cost": "7.20", "tolls_and_parking": "10.00",
        "cost": "17.20",                 # 7.20 + 10
        "cost_per_km": "0.29"})          # 17.20 / 60 = 0.286..
    figures(rep["total"], {
        "trips": 5, "km": "350.0", "fuel_km": "250.0", "litres": "24.40", "kwh": "15.40",
        "fuel_cost": "207.52",           # 123.52 + 76.80 + 7.20
        "tolls_and_parking": "70.00",
        "cost": "277.52",                # 178.52 + 81.80 + 17.20
        "cost_per_km": "0.79",           # 277.52 / 350 = 0.792..
        "cost_change_pct": "69.2",       # 113.52 / 164 = 69.219..%
        "litres_per_100km": "9.76"})     # 24.40 x 100 / 250


def test_a_vehicle_refuelled_but_neither_driven_nor_maintained_still_shows_its_fuel_cost(client, runtime):
    fleet_dataset(runtime)
    d = ReportData(runtime)
    v4 = d.vehicle("晋A·R5004", "petrol", "8.00")
    d.fuel_log(v4, office(2025, 8, 20), "35.00", "280.00")
    rep = report(client, "vehicles", period="2025-Q3", group_by="vehicle")
    g = groups(rep)
    assert "晋A·R5004" in g, sorted(g)
    figures(g["晋A·R5004"], {"trips": 0, "fuel_cost": "280.00", "cost": "280.00"})
    figures(rep["total"], {"fuel_cost": "1004.00",   # 724.00 + 280.00
                           "cost": "2424.00"})       # 2144.00 + 280.00


def test_avoided_trips_count_round_trip_km_litres_and_co2_saved(client, runtime):
    fleet_dataset(runtime)
    rep = report(client, "vehicles", period="2025-Q3")
    avoided = rep["avoided"]
    figures(avoided, {
        "trips": 3,                      # A1, A2, A3 (A4 at 00:30 on 1 October is Q4)
        "km": "35.5",                    # 2 x (2.5 + 12.0 + 3.25)
        "litres_saved": "2.84",          # 35.5 x 8 L / 100 km
        "co2_kg_saved": "6.5"})          # 2.84 x 2.30 kg/L = 6.532
    assert {m: (v["trips"], Decimal(v["km"])) for m, v in avoided["by_mode"].items()} == {
        "walk": (1, Decimal("5.0")),     # 2 x 2.5
        "bus": (2, Decimal("30.5"))}     # 2 x 12.0 + 2 x 3.25
    figures(rep["baseline_avoided"], {"trips": 0, "km": "0", "litres_saved": "0", "co2_kg_saved": "0"})


# ---- access ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["expenditure", "consumption", "vehicles"])
def test_staff_may_not_read_reports(client, runtime, kind):
    status, body = client.get("staff1", f"{REPORTS}/{kind}?period=2026-Q3")
    assert status == 403, body


def test_a_department_head_sees_only_their_department_and_is_refused_another(client, runtime):
    supply_dataset(runtime)
    fin = ReportData(runtime).dept["FIN"]
    rep = report(client, "expenditure", "head1", period="2026-Q3", group_by="department")
    assert [g["key"] for g in rep["groups"]] == ["GEN"]
    assert rep["headcount"] == 12
    figures(rep["total"], {"spend": "1880.00", "baseline_spend": "1440.00",
                           "spend_per_person": "156.67"})   # 1880 / 12
    status, body = client.get("head1", f"{REPORTS}/expenditure?period=2026-Q3&department_id={fin}")
    assert status == 403, body
    status, body = client.get("head1", f"{REPORTS}/consumption?period=2026-Q3&department_id={fin}")
    assert status == 403, body


def test_a_department_heads_consumption_covers_their_department_only(client, runtime):
    supply_dataset(runtime)
    rep = report(client, "consumption", "head1", period="2026-Q3")
    assert rep["headcount"] == 12
    figures(rep["current"], {
        "paper_reams": "70.00",          # C1 50 + C2 4 x 5
        "toner_units": "1",              # C3
        "single_use_units": "0",
        "spend": "1880.00",
        "green_spend": "680.00",         # C2 520 + C3 160
        "green_share_pct": "36.2",       # 680 / 1880 = 36.170..%
        "swapped_value": "160.00",       # C3
        "blocked_requests": 1,           # K1
        "blocked_value": "450.00",
        "paper_reams_per_person": "5.83"})  # 70 / 12 = 5.833..


def test_a_department_heads_vehicle_report_by_department_holds_only_their_trips_and_avoided_trips(client, runtime):
    fleet_dataset(runtime)
    rep = report(client, "vehicles", "head1", period="2025-Q3", group_by="department")
    assert [g["key"] for g in rep["groups"]] == ["GEN"]
    figures(rep["total"], {"trips": 3, "km": "210.0", "cost": "178.52"})
    figures(rep["avoided"], {"trips": 2,           # A1, A3
                             "km": "11.5",         # 2 x (2.5 + 3.25)
                             "litres_saved": "0.92",   # 11.5 x 8 / 100
                             "co2_kg_saved": "2.1"})   # 0.92 x 2.30 = 2.116


def test_finance_sees_every_department(client, runtime):
    supply_dataset(runtime)
    d = ReportData(runtime)
    rep = report(client, "expenditure", period="2026-Q3")
    assert {g["key"] for g in rep["groups"]} == {"GEN", "FIN", "LOG"}
    fin = report(client, "expenditure", period="2026-Q3", department_id=d.dept["FIN"])
    assert [g["key"] for g in fin["groups"]] == ["FIN"]
    figures(fin["total"], {"spend": "1100.00", "spend_per_person": "183.33"})  # 1100 / 6


# ---- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, query, field", [
    ("expenditure", "period=2026-Q3&group_by=vehicle", "group_by"),
    ("expenditure", "period=2026-Q3&group_by=colour", "group_by"),
    ("vehicles", "period=2026-Q3&group_by=category", "group_by"),
    ("expenditure", "period=2026-13", "period"),
    ("expenditure", "period=2026-Q5", "period"),
    ("expenditure", "period=abc", "period"),
    ("expenditure", "period=abcdefgh", "period"),
    ("consumption", "period=2026-09-31..2026-10-02", "period"),
    ("expenditure", "period=2026-08-31..2026-07-01", "period"),
    ("expenditure", "period=2026-Q3&baseline=2026-Q3", "baseline"),
    ("expenditure", "period=2026-Q3&baseline=2027", "baseline"),
    ("vehicles", "period=2026-Q3&baseline=2026-13", "baseline"),
    ("expenditure", "group_by=department", "period"),
    ("expenditure", "period=2026-Q3&format=pdf", "format"),
])
def test_bad_report_queries_answer_400_naming_the_field(client, kind, query, field):
    status, body = client.get("finance", f"{REPORTS}/{kind}?{query}")
    assert status == 400, body
    assert field in error_fields(body), body


def test_a_period_that_starts_in_the_future_is_refused(client):
    next_year = office_today().year + 1
    status, body = client.get("finance", f"{REPORTS}/expenditure?period={next_year}-Q1")
    assert status == 400, body
    assert "period" in error_fields(body), body


def test_a_baseline_overlapping_the_period_is_refused(client):
    # 2026 as a whole is not before 2026-Q3: it contains it.
    status, body = client.get("finance", f"{REPORTS}/expenditure?period=2026-Q3&baseline=2026")
    assert status == 400, body
    assert "baseline" in error_fields(body), body


def test_target_progress_for_a_year_not_yet_begun_is_refused_naming_the_year(client):
    status, body = client.get("finance", f"{REPORTS}/targets?year={office_today().year + 1}")
    assert status == 400, body
    assert "year" in error_fields(body), body


# ---- targets -----------------------------------------------------------------------------------

def put_target(client, user, **body):
    return client.call(user, "PUT", "/api/v1/targets", json=body)


def test_finance_and_admin_set_targets_and_staff_may_not(client, runtime):
    year = office_today().year
    status, body = put_target(client, "finance", year=year, metric="supply_spend", reduction_pct="10.0")
    assert status == 200, body
    assert (body["metric"], body["department_id"], Decimal(body["reduction_pct"])) == ("supply_spend", None,
                                                                                        Decimal("10.0"))
    status, body = put_target(client, "admin", year=year, metric="supply_spend", reduction_pct="12.5")
    assert status == 200, body
    with runtime.uow() as uow:
        rows = uow.session.scalars(select(ReductionTarget).where(ReductionTarget.year == year)).all()
        assert [(r.metric, r.scope, r.reduction_pct) for r in rows] == [("supply_spend", "office", Decimal("12.5"))]
    status, body = put_target(client, "staff1", year=year, metric="supply_spend", reduction_pct="5.0")
    assert status == 403, body
    status, body = put_target(client, "finance", year=year, metric="happiness", reduction_pct="5.0")
    assert 400 <= status < 500 and "metric" in error_fields(body), (status, body)
    assert count(runtime, ReductionTarget) == 1


def test_target_progress_compares_the_year_so_far_with_the_same_days_last_year(client, runtime):
    today = office_today()
    target_dataset(runtime, today.year)
    assert put_target(client, "finance", year=today.year, metric="supply_spend", reduction_pct="10.0")[0] == 200
    assert put_target(client, "finance", year=today.year, metric="paper_reams_per_person",
                      reduction_pct="5.0")[0] == 200
    status, body = client.get("finance", f"{REPORTS}/targets?year={today.year}")
    assert status == 200, body
    days_in_year = (dt.date(today.year + 1, 1, 1) - dt.date(today.year, 1, 1)).days
    # Elapsed: days from 1 January to today inclusive, over the days of the year, one decimal.
    elapsed = (Decimal(today.timetuple().tm_yday * 100) / days_in_year).quantize(Decimal("0.1"))
    assert Decimal(body["elapsed_pct"]) == elapsed
    assert body["compared"] == (f"{today.year}-01-01..{today.isoformat()} against "
                                f"{today.year - 1}-01-01..{today.replace(year=today.year - 1).isoformat()}")
    assert "Pro-rated" in body["note"]
    rows = {t["metric"]: t for t in body["targets"]}
    assert set(rows) == {"supply_spend", "paper_reams_per_person"}
    figures(rows["supply_spend"], {
        "value": "1040.00",              # 52 reams x 20.00, 1 January this year
        "baseline_value": "1248.00",     # 39 reams x 32.00, 1 January last year
        "change_pct": "-16.7",           # -208 / 1248 = -16.666..%
        "on_track": True,                # -16.7 <= -10.0
        "reduction_pct": "10.0"})
    figures(rows["paper_reams_per_person"], {
        "value": "2.00",                 # 52 reams / 26 people
        "baseline_value": "1.50",        # 39 / 26
        "change_pct": "33.3",            # 0.50 / 1.50 = 33.333..%
        "on_track": False,               # up, not down by 5 %
        "reduction_pct": "5.0"})


def test_staff_may_not_read_target_progress(client):
    status, body = client.get("staff1", f"{REPORTS}/targets?year={office_today().year}")
    assert status == 403, body


# ---- snapshots ---------------------------------------------------------------------------------

def test_a_compiled_snapshot_is_served_until_live_is_asked_for_and_a_recompile_replaces_it(client, runtime):
    supply_dataset(runtime)
    query = "period=2026-Q3&group_by=department"
    status, body = client.post("finance", f"{REPORTS}/expenditure/compile", {"period": "2026-Q3",
                                                                            "group_by": "department"})
    assert status == 201, body
    key = body["key"]
    first = get_report(client, "expenditure", period="2026-Q3", group_by="department")
    assert first["source"] == "snapshot"
    assert Decimal(first["report"]["total"]["spend"]) == Decimal("3070.00")
    live = get_report(client, "expenditure", period="2026-Q3", group_by="department", live="true")
    assert live["source"] == "live"

    ReportData(runtime).purchase("GEN", "paper", "ream", "5", "20.00", office(2026, 9, 10))  # + 100.00
    stale = client.get("finance", f"{REPORTS}/expenditure?{query}")[1]
    assert (stale["source"], Decimal(stale["report"]["total"]["spend"])) == ("snapshot", Decimal("3070.00"))
    fresh = client.get("finance", f"{REPORTS}/expenditure?{query}&live=true")[1]
    assert (fresh["source"], Decimal(fresh["report"]["total"]["spend"])) == ("live", Decimal("3170.00"))  # 3070 + 100

    status, again = client.post("admin", f"{REPORTS}/expenditure/compile", {"period": "2026-Q3",
                                                                           "group_by": "department"})
    assert (status, again["key"]) == (201, key)
    assert count(runtime, ReportSnapshot, ReportSnapshot.report == "expenditure", ReportSnapshot.key == key) == 1
    recompiled = client.get("finance", f"{REPORTS}/expenditure?{query}")[1]
    assert (recompiled["source"], Decimal(recompiled["report"]["total"]["spend"])) == ("snapshot",
                                                                                       Decimal("3170.00"))


def test_only_finance_and_admin_compile_snapshots(client, runtime):
    for user in ("staff1", "head1", "logistics"):
        status, body = client.post(user, f"{REPORTS}/expenditure/compile", {"period": "2026-Q3"})
        assert status == 403, (user, body)
    assert count(runtime, ReportSnapshot) == 0


# ---- exports -----------------------------------------------------------------------------------

EXPENDITURE_HEADERS = ["Department / 部门", "Spend (CNY) / 支出（元）", "Baseline spend (CNY) / 基期支出（元）",
                       "Change (%) / 变化（%）", "Spend per person (CNY) / 人均支出（元）",
                       "Baseline per person (CNY) / 基期人均支出（元）"]


def test_the_csv_export_has_the_period_bilingual_headers_and_the_total_row(app, client, runtime):
    supply_dataset(runtime)
    resp = raw_get(app, client, "finance", f"{REPORTS}/expenditure?period=2026-Q3&group_by=department&format=csv")
    assert resp.status_code == 200, resp.data[:500]
    assert resp.mimetype == "text/csv"
    assert "jieyue-expenditure-2026-Q3.csv" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert ["Period / 期间: 2026-Q3", "Baseline / 基期: 2025-Q3"] in rows
    assert EXPENDITURE_HEADERS in rows
    by_first = {r[0]: r for r in rows if r}
    # The total row: 3070.00 spent against 3120.00, -1.6 %, 3070 / 26 and 3120 / 26 per person.
    assert [Decimal(v) for v in by_first["Total / 合计"][1:]] == [Decimal("3070.00"), Decimal("3120.00"),
                                                                  Decimal("-1.6"), Decimal("118.08"),
                                                                  Decimal("120.00")]
    assert by_first["Total / 合计"][3] == "-1.6"
    assert [Decimal(v) for v in by_first["GEN"][1:3]] == [Decimal("1880.00"), Decimal("1440.00")]


def test_the_xlsx_export_opens_with_the_same_headers_and_numbers_as_numbers(app, client, runtime):
    supply_dataset(runtime)
    resp = raw_get(app, client, "finance", f"{REPORTS}/expenditure?period=2026-Q3&group_by=department&format=xlsx")
    assert resp.status_code == 200, resp.data[:500]
    sheet = load_workbook(io.BytesIO(resp.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert any(r[0] == "Period / 期间: 2026-Q3" for r in rows)
    assert EXPENDITURE_HEADERS in [r[:6] for r in rows]
    by_first = {r[0]: r for r in rows if r and r[0]}
    total = by_first["Total / 合计"]
    assert all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in total[1:6]), total
    # 3070.00 / 3120.00 / -1.6 % / 3070 / 26 = 118.08 / 3120 / 26 = 120.00
    assert total[1:6] == [pytest.approx(3070.00), pytest.approx(3120.00), pytest.approx(-1.6),
                          pytest.approx(118.08), pytest.approx(120.00)]
    # LOG: 90.00 / 180.00 / -50.0 %
    assert by_first["LOG"][1:4] == [pytest.approx(90.00), pytest.approx(180.00), pytest.approx(-50.0)]


def test_the_consumption_csv_names_each_measure_in_both_languages(app, client, runtime):
    supply_dataset(runtime)
    resp = raw_get(app, client, "finance", f"{REPORTS}/consumption?period=2026-Q3&format=csv")
    assert resp.status_code == 200, resp.data[:500]
    rows = {r[0]: r for r in csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))) if r}
    assert rows["Measure / 指标"] == ["Measure / 指标", "Period / 本期", "Baseline / 基期", "Change (%) / 变化（%）"]
    assert [Decimal(v) for v in rows["Paper / 用纸"][1:3]] == [Decimal("80.00"), Decimal("70.00")]  # reams


# ---- the monthly digest ------------------------------------------------------------------------

def test_the_monthly_digest_is_emitted_once_and_reaches_finance_and_the_department_heads(client, runtime):
    supply_dataset(runtime)
    first = reports.monthly_digest(runtime.uow(), dt.date(2026, 10, 1))
    assert first is not None
    assert reports.monthly_digest(runtime.uow(), dt.date(2026, 10, 1)) is None
    with runtime.uow() as uow:
        events = uow.session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "report.monthly_digest")).all()
        assert len(events) == 1
        payload = events[0].payload
    assert payload["period"] == "2026-09"
    assert Decimal(payload["spend"]) == Decimal("1000.00")    # C3 160 + C4 840 (X1 is October)
    assert payload["spend_change_pct"] == "455.6"             # against B3 180.00: 820 / 180
    for user in ("finance", "head1", "head2"):
        status, inbox = client.get(user, "/api/v1/notifications")
        assert status == 200, inbox
        digests = [n for n in inbox["items"] if n["topic"] == "report.monthly_digest"]
        assert len(digests) == 1, (user, inbox)
        assert "2026-09" in digests[0]["title"]
    for user in ("staff1", "logistics"):
        status, inbox = client.get(user, "/api/v1/notifications")
        assert not [n for n in inbox["items"] if n["topic"] == "report.monthly_digest"], user
    assert count(runtime, Notification, Notification.topic == "report.monthly_digest") == 3
