"""Exports cannot run code: every text cell a spreadsheet would read as a formula is neutralised
(OWASP CSV injection) in every CSV and XLSX export, while numbers stay numbers (issue 14, point 9).

Through the endpoints (the API's download and the finance page's): tests/http/test_security_exports.py.
"""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from api.reports import export
from api.reports.export import cell

HOSTILE = ["=1+1", "=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
           "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "\n=1+1", "-5 reams", "-", "=", "\uff1d1+1", "\uff20SUM(A1)"]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_a_spreadsheet_would_run_is_shown_behind_a_quote(text):
    assert cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-12.50", "-1", "0", "3070.00", "12", "-0.5"])
def test_text_that_is_exactly_a_number_is_left_as_it_is(value):
    assert cell(value) == value


@pytest.mark.parametrize("value", [Decimal("-12.50"), -3, -1.5, 0, True, None])
def test_numbers_and_empty_cells_pass_unchanged(value):
    assert cell(value) is value


@pytest.mark.parametrize("text", ["GEN", "晋A·R5001", "Total / 合计", "2026-03", " =1+1", "'=1+1", "a=b", "1e5",
                                  "Spend (CNY) / 支出（元）"])
def test_ordinary_text_is_untouched(text):
    assert cell(text) == text


def _report(keys: list[str]) -> dict:
    return {"period": "2026-Q3", "baseline": "2025-Q3", "group_by": "department",
            "groups": [{"key": k, "spend": "-12.50", "note": "=1+1"} for k in keys],
            "total": {"spend": "-37.50", "note": "-5 reams"}}


def _csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _xlsx_rows(body: bytes) -> list[list]:
    return [list(r) for r in load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True)]


def _dangerous(value) -> bool:
    return isinstance(value, str) and value.startswith(export.FORMULA_STARTS) and not re.fullmatch(
        r"-?[0-9]+(\.[0-9]+)?", value)


def test_the_csv_export_neutralises_every_hostile_cell_and_keeps_negative_numbers():
    rows = _csv_rows(export.to_csv("expenditure", _report(HOSTILE)))
    cells = [v for row in rows for v in row]
    assert not [v for v in cells if _dangerous(v)], cells
    data = {r[0]: r for r in rows if r}
    for text in HOSTILE:
        assert data["'" + text][1:] == ["-12.50", "'=1+1"]
    assert data["Total / 合计"][1:] == ["-37.50", "'-5 reams"]


def test_the_xlsx_export_neutralises_every_hostile_cell_and_keeps_negative_numbers_numeric():
    body = export.to_xlsx("expenditure", _report(HOSTILE))
    rows = _xlsx_rows(body)
    cells = [v for row in rows for v in row]
    assert not [v for v in cells if _dangerous(v)], cells
    data = {r[0]: r for r in rows if r and r[0]}
    for text in HOSTILE:  # XML reads a CR back as a LF
        assert data["'" + text.replace("\r", "\n")][1:3] == [-12.5, "'=1+1"]
    assert data["Total / 合计"][1:3] == [-37.5, "'-5 reams"]
    # openpyxl stores a string that starts with "=" as a formula: none may be there.
    sheet = load_workbook(io.BytesIO(body)).active
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_the_consumption_export_goes_through_the_same_cells():
    report = {"period": "=1+1", "baseline": "@x", "current": {}, "previous": {}, "change_pct": {}}
    for body, rows in ((export.to_csv("consumption", report), _csv_rows),
                       (export.to_xlsx("consumption", report), _xlsx_rows)):
        cells = [v for row in rows(body) for v in row]
        assert not [v for v in cells if _dangerous(v)], cells


@pytest.mark.parametrize("text, shown", [("bad\x01plate", "bad\ufffdplate"), ("\x1b=1+1", "\ufffd=1+1"),
                                         ("\x0b", "\ufffd")])
def test_control_characters_the_xlsx_writer_cannot_store_do_not_break_the_export(text, shown):
    assert cell(text) == shown
    rows = _xlsx_rows(export.to_xlsx("expenditure", _report([text])))
    assert shown in {r[0] for r in rows if r}
