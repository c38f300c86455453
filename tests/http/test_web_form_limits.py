"""Web forms take what the JSON API takes: bad or oversized form input is a 4xx page and changes nothing."""
from __future__ import annotations

import pytest

from tests import support
from tests.http.test_web_security import _login, _token
from tests.http.trip_support import at, trip_body

TOO_BIG = "9" * 30  # beyond PostgreSQL's integer: once a 500 from int() and the database


def _browser(app, user):
    client = app.test_client()
    _login(client, user)
    return client


def _post(client, path, data, page="/app/requests"):
    return client.post(path, data={**data, "csrf_token": _token(client, page)})


def _draft(app) -> dict:
    api = support.inprocess_client(app)
    status, body = api.post("staff1", "/api/v1/supply-requests", {
        "purpose": "Pens", "lines": [{"item_id": api.item_id("STA-PEN-G"), "quantity": "2"}]})
    assert status == 201, body
    return body


def _state(app, path) -> tuple:
    status, body = support.inprocess_client(app).get("admin", path)
    assert status == 200, body
    return body["status"], body["version"]


@pytest.mark.parametrize("version", ["abc", "", "-1", "1.5", TOO_BIG])
def test_a_supply_action_with_a_bad_version_is_a_422_page_and_changes_nothing(csrf_app, version):
    draft = _draft(csrf_app)
    path = f"/api/v1/supply-requests/{draft['id']}"
    before = _state(csrf_app, path)
    answer = _post(_browser(csrf_app, "staff1"), f"/app/supply/{draft['id']}/submit", {"version": version})
    assert answer.status_code == 422
    assert "text/html" in answer.content_type
    assert _state(csrf_app, path) == before


def test_a_supply_action_comment_longer_than_the_api_allows_is_refused(csrf_app):
    draft = _draft(csrf_app)
    path = f"/api/v1/supply-requests/{draft['id']}"
    answer = _post(_browser(csrf_app, "staff1"), f"/app/supply/{draft['id']}/cancel",
                   {"version": str(draft["version"]), "comment": "x" * 2001})
    assert answer.status_code == 422
    assert _state(csrf_app, path) == ("draft", draft["version"])


@pytest.mark.parametrize("version", ["abc", TOO_BIG])
def test_a_trip_action_with_a_bad_version_is_a_422_page_and_changes_nothing(csrf_app, version):
    api = support.inprocess_client(csrf_app)
    status, trip = api.post("staff1", "/api/v1/trip-requests", trip_body(depart_at=at(20, 9), return_at=at(20, 12)))
    assert status == 201, trip
    path = f"/api/v1/trip-requests/{trip['id']}"
    before = _state(csrf_app, path)
    answer = _post(_browser(csrf_app, "staff1"), f"/app/trips/{trip['id']}/cancel", {"version": version})
    assert answer.status_code == 422
    assert _state(csrf_app, path) == before


def _count(app, path) -> int:
    status, body = support.inprocess_client(app).get("admin", path)
    assert status == 200, body
    return len(body)


@pytest.mark.parametrize("quantity", ["0", "1000001", "1.2345", "-2"])
def test_a_new_supply_request_takes_only_the_quantities_the_api_takes(csrf_app, quantity):
    before = _count(csrf_app, "/api/v1/supply-requests")
    item = support.inprocess_client(csrf_app).item_id("STA-PEN-G")
    answer = _post(_browser(csrf_app, "staff1"), "/app/supply/new",
                   {"purpose": "Pens", "item_id": str(item), "quantity": quantity}, page="/app/supply/new")
    assert answer.status_code == 422
    assert _count(csrf_app, "/api/v1/supply-requests") == before


def test_a_purpose_longer_than_the_api_allows_is_refused_not_cut_short(csrf_app):
    before = _count(csrf_app, "/api/v1/supply-requests")
    item = support.inprocess_client(csrf_app).item_id("STA-PEN-G")
    answer = _post(_browser(csrf_app, "staff1"), "/app/supply/new",
                   {"purpose": "笔" * 501, "item_id": str(item), "quantity": "1"}, page="/app/supply/new")
    assert answer.status_code == 422
    assert _count(csrf_app, "/api/v1/supply-requests") == before


@pytest.mark.parametrize("field, value", [("passengers", "81"), ("passengers", "many"), ("distance_km", "5001"),
                                          ("exemption_note", "x" * 2001), ("depart_at", "1899-01-01T09:00")])
def test_a_new_trip_request_takes_only_the_values_the_api_takes(csrf_app, field, value):
    before = _count(csrf_app, "/api/v1/trip-requests")
    form = {"purpose_category": "meeting", "purpose": "Meeting", "destination": "County hall", "distance_km": "30",
            "passengers": "2", "depart_at": at(20, 9)[:16], "return_at": at(20, 12)[:16], field: value}
    answer = _post(_browser(csrf_app, "staff1"), "/app/trips/new", form, page="/app/trips/new")
    assert answer.status_code == 422
    assert _count(csrf_app, "/api/v1/trip-requests") == before


def test_a_bulk_approval_naming_an_id_beyond_the_columns_range_reports_it_without_a_server_error(csrf_app):
    answer = _post(_browser(csrf_app, "head1"), "/app/queue/bulk-approve",
                   {"item": f"supply_request:{TOO_BIG}:1"}, page="/app/queue")
    assert answer.status_code == 200
    assert "not an item of the queue" in answer.get_data(as_text=True)


def test_the_trip_form_used_above_is_accepted_when_every_value_is_within_the_limits(csrf_app):
    form = {"purpose_category": "meeting", "purpose": "Meeting", "destination": "County hall", "distance_km": "30",
            "passengers": "2", "depart_at": at(20, 9)[:16], "return_at": at(20, 12)[:16]}
    answer = _post(_browser(csrf_app, "staff1"), "/app/trips/new", form, page="/app/trips/new")
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
