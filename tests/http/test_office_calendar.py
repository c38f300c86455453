"""The office's working calendar kept over the API, on the administrator's page and with the CLI.

The calendar itself (holidays, adjusted weekends, office days, unknown years): tests/unit/test_working_calendar.py.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.http.test_web_security import _login, _token
from tests.unit.test_working_calendar import SHANGHAI, UNKNOWN_YEAR
from workflow.kernel.audit import AuditEvent


def _put_day(client, user, day, working, reason="Office move"):
    return client.call(user, "PUT", "/api/v1/calendar/days", {"day": day, "working": working, "reason": reason})


def test_an_administrator_keeps_office_days_over_the_api_and_due_times_follow(client, runtime):
    status, body = _put_day(client, "admin", "2026-06-11", False, "Building power cut")
    assert status == 200 and body["working"] is False, body
    status, year = client.get("staff1", "/api/v1/calendar?year=2026")
    assert status == 200 and [d["day"] for d in year["days"]] == ["2026-06-11"]
    assert year["source"] == "national" and year["office_days"] == 1
    with runtime.uow() as uow:
        calendar = uow.calendar.load()
    wednesday = dt.datetime(2026, 6, 10, 10, 0, tzinfo=SHANGHAI)
    assert calendar.add_working_days(wednesday, 2, SHANGHAI) == dt.datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)
    assert client.call("admin", "DELETE", "/api/v1/calendar/days/entry?day=2026-06-11")[0] == 204
    assert client.call("admin", "DELETE", "/api/v1/calendar/days/entry?day=2026-06-11")[0] == 404
    with runtime.uow() as uow:
        actions = uow.session.scalars(select(AuditEvent.action).where(
            AuditEvent.entity_type == "office_day").order_by(AuditEvent.id)).all()
    assert actions == ["set", "clear"]


@pytest.mark.parametrize("body, field", [
    ({"day": "2026-06-11", "working": False, "reason": "   "}, "reason"),
    ({"day": "2026-06-11", "working": False}, "reason"),
    ({"day": "1999-12-31", "working": False, "reason": "x"}, "day"),
    ({"day": "2026-02-30", "working": False, "reason": "x"}, "day"),
    ({"day": "2026-06-11", "working": "maybe", "reason": "x"}, "working"),
    ({"day": "2026-06-11", "working": False, "reason": "x", "extra": 1}, "extra"),
])
def test_bad_office_days_are_refused_and_nothing_is_kept(client, body, field):
    status, err = client.call("admin", "PUT", "/api/v1/calendar/days", body)
    assert status in (400, 422) and field in err["errors"], err
    assert client.get("admin", "/api/v1/calendar?year=2026")[1]["days"] == []


def test_only_an_administrator_changes_the_calendar(client):
    assert _put_day(client, "staff1", "2026-06-11", False)[0] == 403
    assert _put_day(client, "head1", "2026-06-11", False)[0] == 403
    assert client.call("head1", "PUT", "/api/v1/calendar/confirmations", {"year": UNKNOWN_YEAR, "confirmed": True})[0] == 403


def test_confirming_an_unknown_year_after_entering_its_holidays(client):
    status, year = client.get("admin", f"/api/v1/calendar?year={UNKNOWN_YEAR}")
    assert year["source"] == "unknown"
    assert _put_day(client, "admin", f"{UNKNOWN_YEAR}-01-01", False, "New Year's Day")[0] == 200
    status, year = client.call("admin", "PUT", "/api/v1/calendar/confirmations", {"year": UNKNOWN_YEAR, "confirmed": True})
    assert status == 200 and year["source"] == "office", year
    status, err = client.call("admin", "PUT", "/api/v1/calendar/confirmations", {"year": 2026, "confirmed": True})
    assert status == 422 and "year" in err["errors"]


def _browser(app, user="admin"):
    browser = app.test_client()
    _login(browser, user)
    return browser


def test_the_admin_page_says_which_years_are_not_known(csrf_app, clock_at):
    clock_at(dt.datetime(UNKNOWN_YEAR - 1, 12, 5, 10, 0, tzinfo=SHANGHAI))
    browser = _browser(csrf_app)
    page = browser.get("/app/admin/calendar").get_data(as_text=True)
    assert f"{UNKNOWN_YEAR}: the State Council" in page and "not known to Jieyue yet" in page
    page = browser.get(f"/app/admin/calendar?year={UNKNOWN_YEAR - 1}").get_data(as_text=True)
    assert "National schedule known" in page


def test_the_admin_page_keeps_the_input_on_a_refusal_and_saves_a_good_day(csrf_app):
    browser = _browser(csrf_app)
    token = _token(browser, "/app/admin/calendar")
    resp = browser.post("/app/admin/calendar?year=2026",
                        data={"day": "2026-06-11", "working": "false", "reason": "  ", "csrf_token": token})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'value="2026-06-11"' in page
    resp = browser.post("/app/admin/calendar?year=2026",
                        data={"day": "2026-06-11", "working": "false", "reason": "Power cut", "csrf_token": token})
    assert resp.status_code == 302
    page = browser.get("/app/admin/calendar?year=2026").get_data(as_text=True)
    assert "Power cut" in page and "2026-06-11" in page


def test_the_admin_page_is_for_administrators(csrf_app):
    assert _browser(csrf_app, "staff1").get("/app/admin/calendar").status_code == 403


def test_the_cli_shows_sets_clears_and_confirms(app):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["calendar", "show", str(UNKNOWN_YEAR)])
    assert out.exit_code == 0 and "unknown" in out.output and "not known yet" in out.output
    out = runner.invoke(args=["calendar", "set-day", f"{UNKNOWN_YEAR}-01-01", "--closed", "--reason", "New Year"])
    assert out.exit_code == 0, out.output
    out = runner.invoke(args=["calendar", "confirm-year", str(UNKNOWN_YEAR)])
    assert out.exit_code == 0, out.output
    out = runner.invoke(args=["calendar", "show", str(UNKNOWN_YEAR)])
    assert f"{UNKNOWN_YEAR}: office" in out.output and "closed   New Year" in out.output
    out = runner.invoke(args=["calendar", "set-day", "2026-06-11", "--working", "--reason", "   "])
    assert out.exit_code != 0 and "reason" in out.output
    out = runner.invoke(args=["calendar", "clear-day", f"{UNKNOWN_YEAR}-01-01"])
    assert out.exit_code == 0, out.output
    out = runner.invoke(args=["calendar", "clear-day", f"{UNKNOWN_YEAR}-01-01"])
    assert out.exit_code != 0
