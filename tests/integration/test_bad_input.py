"""Bad input over real HTTP on PostgreSQL: a clear 4xx JSON answer, and not one row written.

Each test counts the rows of every table before and after the bad call; the counts must match
(tokens are issued before the first count, since logging in writes a row).
"""
from __future__ import annotations

import json

import pytest
import requests
from sqlalchemy import func, select

from workflow.models import metadata

REQUESTS = "/api/v1/supply-requests"
ERROR_KEYS = {"code", "message", "errors"}


# ---- helpers ---------------------------------------------------------------------------------

def table_counts(app) -> dict[str, int]:
    engine = app.extensions["jieyue"].engine
    with engine.connect() as conn:
        return {t.name: conn.scalar(select(func.count()).select_from(t)) for t in metadata.sorted_tables}


def login(c, *users: str) -> None:
    """Issue the tokens up front: issuing one inserts an api_tokens row."""
    for user in users:
        c.token(user)


def assert_error(status, body, expected_status: int, *, code: str | None = None, fields: set | None = None):
    """A 4xx JSON error body {code, message, errors}; `fields` are exactly the paths named in errors."""
    assert status == expected_status, (status, body)
    assert 400 <= status < 500
    assert isinstance(body, dict), body
    assert ERROR_KEYS <= set(body), body
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], dict), body
    if code is not None:
        assert body["code"] == code, body
    if fields is not None:
        assert set(body["errors"]) == fields, body
        for field in fields:
            messages = body["errors"][field]
            assert isinstance(messages, list) and messages and all(isinstance(m, str) and m for m in messages)


def create_draft(c, user="staff1", sku="STA-PEN-G", quantity="20", purpose="Pens"):
    status, req = c.post(user, REQUESTS, {"purpose": purpose,
                                          "lines": [{"item_id": c.item_id(sku), "quantity": quantity}]})
    assert status == 201, req
    return req


def submitted(c, user="staff1", **kw):
    req = create_draft(c, user, **kw)
    status, req = c.post(user, f"{REQUESTS}/{req['id']}/actions/submit", {"version": req["version"]})
    assert status == 200 and req["status"] == "dept_review", req
    return req


def read(c, req_id, user="staff1"):
    status, req = c.get(user, f"{REQUESTS}/{req_id}")
    assert status == 200, req
    return req


def raw_post(live, c, user, path, data: bytes):
    resp = requests.post(live.url + path, data=data, timeout=60, headers={
        "Authorization": f"Bearer {c.token(user)}", "Content-Type": "application/json"})
    assert resp.headers.get("Content-Type", "").startswith("application/json"), resp.headers
    return resp.status_code, resp.json()


# ---- bad lines, on create and on edit --------------------------------------------------------

def _catalog_line(sku, quantity):
    return lambda c: {"item_id": c.item_id(sku), "quantity": quantity}


def _off_catalog_line(**changes):
    def build(c):
        line = {"description": "Archive boxes", "category": "stationery", "unit": "piece",
                "unit_price": "12.50", "quantity": "4"}
        line.update(changes)
        return line
    return build


BAD_LINES = {
    "zero_quantity": (_catalog_line("STA-PEN-G", "0"), "lines.0.quantity"),
    "negative_quantity": (_catalog_line("STA-PEN-G", "-3"), "lines.0.quantity"),
    "fractional_reams": (_catalog_line("PAP-A4-R", "1.5"), "lines.0.quantity"),
    "non_numeric_unit_price": (_off_catalog_line(unit_price="twelve"), "lines.0.unit_price"),
    "unknown_item_id": (lambda c: {"item_id": 987654, "quantity": "1"}, "lines.0.item_id"),
    "unknown_field_in_line": (lambda c: {"item_id": c.item_id("STA-PEN-G"), "quantity": "1", "colour": "blue"},
                              "lines.0.colour"),
}


@pytest.mark.parametrize("case", list(BAD_LINES))
def test_create_with_a_bad_line_is_422_naming_the_line_field_and_writes_nothing(http, pg_app, case):
    build, field = BAD_LINES[case]
    login(http, "staff1", "admin")
    line = build(http)
    before = table_counts(pg_app)
    status, body = http.post("staff1", REQUESTS, {"purpose": "Bad line", "lines": [line]})
    assert_error(status, body, 422, code="validation_error", fields={field})
    assert table_counts(pg_app) == before


@pytest.mark.parametrize("case", list(BAD_LINES))
def test_edit_with_a_bad_line_is_422_naming_the_line_field_and_leaves_the_draft_unchanged(http, pg_app, case):
    build, field = BAD_LINES[case]
    login(http, "staff1", "admin")
    req = create_draft(http)
    line = build(http)
    before = table_counts(pg_app)
    # The bad line comes second, so the path must point at index 1.
    status, body = http.patch("staff1", f"{REQUESTS}/{req['id']}", {
        "version": req["version"], "lines": [{"item_id": http.item_id("STA-PEN-G"), "quantity": "5"}, line]})
    assert_error(status, body, 422, code="validation_error", fields={field.replace("lines.0.", "lines.1.")})
    assert table_counts(pg_app) == before
    after = read(http, req["id"])
    assert (after["version"], after["status"], after["total"]) == (req["version"], "draft", req["total"])
    assert [(l["item_id"], l["quantity"]) for l in after["lines"]] == [(l["item_id"], l["quantity"]) for l in req["lines"]]


def test_fractional_quantity_is_accepted_for_a_divisible_unit_so_the_ream_refusal_is_about_the_unit(http, pg_app):
    # The counterpart of fractional_reams: the same 1.5 is fine for an item sold by the kg.
    status, req = http.post("staff1", REQUESTS, {"purpose": "Cleaning powder", "lines": [{
        "description": "Washing powder", "category": "cleaning", "unit": "kg", "unit_price": "8.00",
        "quantity": "1.5"}]})
    assert status == 201, req
    assert req["total"] == "12.00"


def test_unknown_top_level_field_is_422_naming_it_and_writes_nothing(http, pg_app):
    login(http, "staff1", "admin")
    line = {"item_id": http.item_id("STA-PEN-G"), "quantity": "1"}
    before = table_counts(pg_app)
    status, body = http.post("staff1", REQUESTS, {"purpose": "Pens", "lines": [line], "status": "approved"})
    assert_error(status, body, 422, code="validation_error", fields={"status"})
    assert table_counts(pg_app) == before


def test_unknown_field_on_edit_is_422_and_cannot_set_status_or_version(http, pg_app):
    login(http, "staff1")
    req = create_draft(http)
    before = table_counts(pg_app)
    status, body = http.patch("staff1", f"{REQUESTS}/{req['id']}",
                              {"version": req["version"], "purpose": "x", "status": "approved"})
    assert_error(status, body, 422, code="validation_error", fields={"status"})
    assert table_counts(pg_app) == before
    after = read(http, req["id"])
    assert (after["status"], after["version"], after["purpose"]) == ("draft", req["version"], req["purpose"])


# ---- long text -------------------------------------------------------------------------------

def test_a_10000_character_purpose_is_422_on_create_and_writes_nothing(http, pg_app):
    login(http, "staff1", "admin")
    line = {"item_id": http.item_id("STA-PEN-G"), "quantity": "1"}
    before = table_counts(pg_app)
    status, body = http.post("staff1", REQUESTS, {"purpose": "纸" * 10_000, "lines": [line]})
    assert_error(status, body, 422, code="validation_error", fields={"purpose"})
    assert table_counts(pg_app) == before


def test_a_10000_character_purpose_is_422_on_edit_and_leaves_the_draft_unchanged(http, pg_app):
    login(http, "staff1")
    req = create_draft(http)
    before = table_counts(pg_app)
    status, body = http.patch("staff1", f"{REQUESTS}/{req['id']}", {"version": req["version"], "purpose": "x" * 10_000})
    assert_error(status, body, 422, code="validation_error", fields={"purpose"})
    assert table_counts(pg_app) == before
    assert read(http, req["id"])["purpose"] == req["purpose"]


# ---- missing version -------------------------------------------------------------------------

def test_an_action_without_version_is_422_naming_version_and_does_nothing(http, pg_app):
    login(http, "staff1")
    req = create_draft(http)
    before = table_counts(pg_app)
    status, body = http.post("staff1", f"{REQUESTS}/{req['id']}/actions/submit", {})
    assert_error(status, body, 422, code="validation_error", fields={"version"})
    assert table_counts(pg_app) == before
    after = read(http, req["id"])
    assert (after["status"], after["version"]) == ("draft", req["version"])


def test_an_edit_without_version_is_422_naming_version_and_does_nothing(http, pg_app):
    login(http, "staff1")
    req = create_draft(http)
    before = table_counts(pg_app)
    status, body = http.patch("staff1", f"{REQUESTS}/{req['id']}", {"purpose": "Changed without a version"})
    assert_error(status, body, 422, code="validation_error", fields={"version"})
    assert table_counts(pg_app) == before
    after = read(http, req["id"])
    assert (after["purpose"], after["version"]) == (req["purpose"], req["version"])


# ---- malformed and oversized bodies ----------------------------------------------------------

@pytest.mark.parametrize("payload", [b'{"purpose": "Pens", "lines": [', b"not json at all", b'{"purpose": "x",}',
                                     b"\xff\xfe\x00garbage"])
def test_malformed_json_on_create_is_400_json_and_writes_nothing(http, live, pg_app, payload):
    login(http, "staff1")
    before = table_counts(pg_app)
    status, body = raw_post(live, http, "staff1", REQUESTS, payload)
    assert_error(status, body, 400, code="bad_request")
    assert table_counts(pg_app) == before


def test_malformed_json_on_an_action_is_400_json_and_does_nothing(http, live, pg_app):
    login(http, "staff1")
    req = create_draft(http)
    before = table_counts(pg_app)
    status, body = raw_post(live, http, "staff1", f"{REQUESTS}/{req['id']}/actions/submit", b'{"version": 1')
    assert_error(status, body, 400, code="bad_request")
    assert table_counts(pg_app) == before
    assert read(http, req["id"])["status"] == "draft"


def test_a_body_over_the_size_limit_is_413_json_and_writes_nothing(http, live, pg_app):
    login(http, "staff1", "admin")
    line = {"item_id": http.item_id("STA-PEN-G"), "quantity": "1"}
    payload = json.dumps({"purpose": "x" * (2 * 1024 * 1024), "lines": [line]}).encode()
    assert len(payload) > 2 * 1024 * 1024
    before = table_counts(pg_app)
    status, body = raw_post(live, http, "staff1", REQUESTS, payload)
    assert_error(status, body, 413, code="body_too_large")
    assert table_counts(pg_app) == before


# ---- someone else's request ------------------------------------------------------------------

def test_staff_editing_another_departments_request_gets_404_and_it_stays_unchanged(http, pg_app):
    login(http, "staff1", "staff2")
    theirs = create_draft(http, "staff2", purpose="FIN pens")
    before = table_counts(pg_app)
    status, body = http.patch("staff1", f"{REQUESTS}/{theirs['id']}",
                              {"version": theirs["version"], "purpose": "Hijacked"})
    assert_error(status, body, 404, code="not_found")
    assert table_counts(pg_app) == before
    after = read(http, theirs["id"], "staff2")
    assert (after["purpose"], after["version"]) == ("FIN pens", theirs["version"])


# ---- stale versions and illegal steps --------------------------------------------------------

def test_submit_at_a_stale_version_is_409_stale_version_and_the_request_is_unchanged(http, pg_app):
    login(http, "staff1")
    req = create_draft(http)
    status, edited = http.patch("staff1", f"{REQUESTS}/{req['id']}", {"version": 1, "purpose": "Pens, blue"})
    assert status == 200 and edited["version"] == 2, edited
    before = table_counts(pg_app)
    status, body = http.post("staff1", f"{REQUESTS}/{req['id']}/actions/submit", {"version": 1})
    assert_error(status, body, 409, code="stale_version")
    assert table_counts(pg_app) == before
    assert read(http, req["id"]) == edited


def test_approve_at_a_stale_version_is_409_stale_version_and_the_request_is_unchanged(http, pg_app):
    login(http, "staff1", "head1")
    req = submitted(http)
    current = read(http, req["id"], "head1")
    before = table_counts(pg_app)
    status, body = http.post("head1", f"{REQUESTS}/{req['id']}/actions/approve", {"version": req["version"] - 1})
    assert_error(status, body, 409, code="stale_version")
    assert table_counts(pg_app) == before
    assert read(http, req["id"], "head1") == current


@pytest.mark.parametrize("stage, user, action, allowed", [
    ("draft", "head1", "approve", ["cancel", "submit"]),
    ("draft", "staff1", "resubmit", ["cancel", "submit"]),
    ("dept_review", "staff1", "submit", ["approve", "cancel", "reject", "return"]),
    ("cancelled", "staff1", "submit", []),
])
def test_an_action_not_allowed_from_the_status_is_409_illegal_action_listing_the_allowed_ones(
        http, pg_app, stage, user, action, allowed):
    login(http, "staff1", "head1")
    req = create_draft(http)
    if stage == "dept_review":
        req = submitted(http)
    elif stage == "cancelled":
        status, req = http.post("staff1", f"{REQUESTS}/{req['id']}/actions/cancel", {"version": req["version"]})
        assert status == 200 and req["status"] == "cancelled", req
    before = table_counts(pg_app)
    status, body = http.post(user, f"{REQUESTS}/{req['id']}/actions/{action}", {"version": req["version"]})
    assert_error(status, body, 409, code="illegal_action")
    assert body["allowed"] == allowed
    assert table_counts(pg_app) == before
    after = read(http, req["id"])
    assert (after["status"], after["version"]) == (stage, req["version"])


# ---- comments and justifications -------------------------------------------------------------

@pytest.mark.parametrize("action", ["return", "reject"])
@pytest.mark.parametrize("comment", [None, "", "   \n\t"])
def test_return_or_reject_without_a_comment_is_422_naming_comment_and_does_nothing(http, pg_app, action, comment):
    login(http, "staff1", "head1")
    req = submitted(http)
    body = {"version": req["version"]}
    if comment is not None:
        body["comment"] = comment
    before = table_counts(pg_app)
    status, err = http.post("head1", f"{REQUESTS}/{req['id']}/actions/{action}", body)
    assert_error(status, err, 422, code="validation_error", fields={"comment"})
    assert table_counts(pg_app) == before
    after = read(http, req["id"])
    assert (after["status"], after["version"]) == ("dept_review", req["version"])


@pytest.mark.parametrize("action, status_after", [("return", "returned"), ("reject", "rejected")])
def test_return_or_reject_with_a_comment_goes_through(http, pg_app, action, status_after):
    # The counterpart of the refusals above: the comment is what they were missing.
    req = submitted(http)
    status, done = http.post("head1", f"{REQUESTS}/{req['id']}/actions/{action}",
                             {"version": req["version"], "comment": "Use the stock cupboard"})
    assert status == 200 and done["status"] == status_after, done


@pytest.mark.parametrize("justification", [None, "", "   "])
def test_submit_needing_an_exception_without_justification_is_422_and_records_nothing(
        http, pg_app, justification):
    login(http, "staff1")
    req = create_draft(http, sku="TON-88A-N", quantity="1", purpose="New toner")
    body = {"version": req["version"]}
    if justification is not None:
        body["justification"] = justification
    before = table_counts(pg_app)
    status, err = http.post("staff1", f"{REQUESTS}/{req['id']}/actions/submit", body)
    assert_error(status, err, 422, code="justification_required", fields={"justification"})
    assert any(f["rule_id"] == "GP-CONSUMABLE" and f["outcome"] == "exception" for f in err["findings"]), err
    assert table_counts(pg_app) == before
    after = read(http, req["id"])
    assert (after["status"], after["version"], after["justification"]) == ("draft", req["version"], None)
    assert after["findings"] == []


def test_submit_needing_an_exception_with_a_justification_goes_on_to_office_review(http, pg_app):
    req = create_draft(http, sku="TON-88A-N", quantity="1", purpose="New toner")
    why = "The remanufactured 88A jams our old printer"
    status, req = http.post("staff1", f"{REQUESTS}/{req['id']}/actions/submit",
                            {"version": req["version"], "justification": why})
    assert status == 200, req
    # An exception always needs the second (logistics) level, even far below the amount threshold.
    assert req["status"] == "dept_review" and req["needs_office_review"] is True, req
    assert req["justification"] == why
    assert any(f["rule_id"] == "GP-CONSUMABLE" and f["outcome"] == "exception" for f in req["findings"])
    status, req = http.post("head1", f"{REQUESTS}/{req['id']}/actions/approve", {"version": req["version"]})
    assert status == 200 and req["status"] == "office_review", req
    status, queue = http.get("logistics", "/api/v1/queue")
    assert [i["id"] for i in queue["items"]] == [req["id"]]


# ---- a policy block is recorded on purpose ---------------------------------------------------

def test_submit_blocked_by_policy_records_only_its_findings_and_one_audit_event(http, pg_app):
    login(http, "staff1")
    req = create_draft(http, sku="PAP-A4-V", quantity="10", purpose="Virgin paper")
    before = table_counts(pg_app)
    status, err = http.post("staff1", f"{REQUESTS}/{req['id']}/actions/submit", {"version": req["version"]})
    assert_error(status, err, 422, code="policy_blocked")
    assert any(f["rule_id"] == "GP-PAPER" and f["outcome"] == "block" for f in err["findings"]), err

    after = table_counts(pg_app)
    expected = dict(before, supply_findings=before["supply_findings"] + len(err["findings"]),
                    audit_events=before["audit_events"] + 1)
    assert after == expected

    same = read(http, req["id"])
    assert (same["status"], same["version"], same["total"]) == ("draft", req["version"], req["total"])
    assert sorted(f["rule_id"] for f in same["findings"]) == sorted(f["rule_id"] for f in err["findings"])
    status, history = http.get("staff1", f"{REQUESTS}/{req['id']}/history")
    assert [e["action"] for e in history] == ["create", "submit_blocked"]
    blocked = history[-1]
    assert (blocked["from_state"], blocked["to_state"]) == ("draft", "draft")
    assert blocked["data"]["rules"] == ["GP-PAPER"]


def test_a_second_blocked_submit_replaces_the_findings_and_adds_one_more_audit_event(http, pg_app):
    login(http, "staff1")
    req = create_draft(http, sku="PAP-A4-V", quantity="10", purpose="Virgin paper")
    status, first = http.post("staff1", f"{REQUESTS}/{req['id']}/actions/submit", {"version": req["version"]})
    assert status == 422 and first["code"] == "policy_blocked", first
    before = table_counts(pg_app)
    status, again = http.post("staff1", f"{REQUESTS}/{req['id']}/actions/submit", {"version": req["version"]})
    assert status == 422 and again["code"] == "policy_blocked", again
    assert table_counts(pg_app) == dict(before, audit_events=before["audit_events"] + 1)
    same = read(http, req["id"])
    assert (same["status"], same["version"]) == ("draft", req["version"])
