"""Exports cannot run code through the endpoints: the API's download and the finance page's neutralise
every hostile cell (issue 14, point 9); the cells themselves: tests/unit/test_security_exports.py.
"""
from __future__ import annotations

import re

import pytest

from tests import support
from tests.http.report_data import ReportData, office
from tests.unit.test_security_exports import _csv_rows, _dangerous, _xlsx_rows


def _hostile_fleet(runtime) -> list[str]:
    d = ReportData(runtime)
    plates = ["=1+1", "@SUM(A1)", "+1-2", "-1+1 cmd"]
    for n, plate in enumerate(plates):
        vehicle = d.vehicle(plate, "petrol", "8.00", odometer="1100")
        d.trip(vehicle, "1000.0", "1100.0", office(2025, 7, 10 + n, 12), "8.00", "64.00")
    return plates


def _web_login(app, user):
    web = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/login").get_data(as_text=True)).group(1)
    web.post("/login", data={"username": user, "password": support.PASSWORD, "csrf_token": token})
    return web


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("where", ["api", "finance_page"])
def test_every_export_endpoint_neutralises_hostile_plates(app, client, runtime, fmt, where, record):
    plates = _hostile_fleet(runtime)
    query = f"period=2025-Q3&group_by=vehicle&format={fmt}"
    if where == "api":
        resp = app.test_client().get(f"/api/v1/reports/vehicles?{query}",
                                     headers={"Authorization": f"Bearer {client.token('finance')}"})
    else:
        resp = _web_login(app, "finance").get(f"/app/finance/export?kind=vehicles&{query}")
    assert resp.status_code == 200, resp.data[:300]
    rows = (_csv_rows if fmt == "csv" else _xlsx_rows)(resp.data)
    firsts = {r[0] for r in rows if r}
    assert {"'" + p for p in plates} <= firsts, firsts
    assert not [v for row in rows for v in row if _dangerous(v)]
    record("8", f"hostile plates in the {where} {fmt} export", ", ".join(sorted(p for p in firsts if p in
                                                                                   {"'" + q for q in plates})))
