"""Who may see and do what, over real HTTP on PostgreSQL: roles, ownership, tokens and queues."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.support import PASSWORD
from workflow.models import metadata
from workflow.people import accounts

REQUESTS = "/api/v1/supply-requests"
TOKENS = "/api/v1/auth/tokens"
ITEMS = "/api/v1/catalog/items"
ORDERS = "/api/v1/purchase-orders"


# ---- helpers ---------------------------------------------------------------------------------

def table_counts(app) -> dict[str, int]:
    with app.extensions["jieyue"].engine.connect() as conn:
        return {t.name: conn.scalar(select(func.count()).select_from(t)) for t in metadata.sorted_tables}


def assert_error(status, body, expected_status: int, code: str):
    assert status == expected_status, (status, body)
    assert isinstance(body, dict) and {"code", "message", "errors"} <= set(body), body
    assert body["code"] == code, body


def draft(c, user="staff1", sku="STA-PEN-G", quantity="20", purpose="Pens"):
    status, req = c.post(user, REQUESTS, {"purpose": purpose,
                                          "lines": [{"item_id": c.item_id(sku), "quantity": quantity}]})
    assert status == 201, req
    return req


def act(c, user, req, action, **extra):
    status, body = c.post(user, f"{REQUESTS}/{req['id']}/actions/{action}", {"version": req["version"], **extra})
    assert status == 200, body
    return body


def submitted(c, user="staff1", **kw):
    return act(c, user, draft(c, user, **kw), "submit")


def approved(c, user="staff1"):
    req = submitted(c, user)
    assert req["status"] == "dept_review", req
    req = act(c, "head1" if user == "staff1" else "head2", req, "approve")
    assert req["status"] == "approved", req
    return req


def read(c, user, req):
    status, body = c.get(user, f"{REQUESTS}/{req['id']}")
    assert status == 200, body
    return body


def listed_ids(c, user) -> set[int]:
    status, rows = c.get(user, REQUESTS)
    assert status == 200, rows
    return {r["id"] for r in rows}


def queue(c, user) -> list[dict]:
    status, page = c.get(user, "/api/v1/queue")
    assert status == 200, page
    return page["items"]


def new_token(c, user, name="") -> tuple[int, str]:
    status, body = c.call(None, "POST", TOKENS, json={"username": user, "password": PASSWORD, "name": name})
    assert status == 201, body
    return body["id"], body["token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# ---- another requester's request -------------------------------------------------------------

def test_staff_of_another_department_cannot_read_edit_act_on_or_trace_a_request_all_404(http, pg_app):
    mine = draft(http, "staff1")
    http.token("staff2")
    before = table_counts(pg_app)
    path = f"{REQUESTS}/{mine['id']}"
    assert_error(*http.get("staff2", path), 404, "not_found")
    assert_error(*http.get("staff2", f"{path}/history"), 404, "not_found")
    assert_error(*http.patch("staff2", path, {"version": mine["version"], "purpose": "Mine now"}), 404, "not_found")
    for action in ("submit", "cancel", "approve"):
        assert_error(*http.post("staff2", f"{path}/actions/{action}", {"version": mine["version"]}), 404, "not_found")
    assert mine["id"] not in listed_ids(http, "staff2")
    assert table_counts(pg_app) == before
    assert read(http, "staff1", mine) == mine


def test_a_hidden_request_answers_exactly_like_a_missing_one(http, pg_app):
    mine = draft(http, "staff1")
    hidden = http.get("staff2", f"{REQUESTS}/{mine['id']}")
    missing = http.get("staff2", f"{REQUESTS}/{mine['id'] + 10_000}")
    assert hidden == missing


def test_head_of_another_department_cannot_see_or_decide_a_request_404(http, pg_app):
    req = submitted(http, "staff1")
    http.token("head2")
    before = table_counts(pg_app)
    assert_error(*http.get("head2", f"{REQUESTS}/{req['id']}"), 404, "not_found")
    for action, extra in (("approve", {}), ("return", {"comment": "no"}), ("reject", {"comment": "no"})):
        status, body = http.post("head2", f"{REQUESTS}/{req['id']}/actions/{action}",
                                 {"version": req["version"], **extra})
        assert_error(status, body, 404, "not_found")
    assert req["id"] not in listed_ids(http, "head2")
    assert table_counts(pg_app) == before
    after = read(http, "staff1", req)
    assert (after["status"], after["version"]) == ("dept_review", req["version"])


def test_dept_head_lists_their_departments_requests_and_not_other_departments(http, pg_app):
    gen = {draft(http, "staff1")["id"], submitted(http, "staff1")["id"], submitted(http, "head1")["id"]}
    fin = {draft(http, "staff2")["id"], submitted(http, "staff2")["id"]}
    assert listed_ids(http, "head1") == gen
    assert listed_ids(http, "head2") == fin
    for req_id in gen:
        assert http.get("head1", f"{REQUESTS}/{req_id}")[0] == 200
    for req_id in fin:
        assert http.get("head1", f"{REQUESTS}/{req_id}")[0] == 404


def test_staff_list_only_their_own_requests(http, pg_app):
    ones = {draft(http, "staff1")["id"], submitted(http, "staff1")["id"]}
    twos = {draft(http, "staff2")["id"]}
    submitted(http, "head1")
    assert listed_ids(http, "staff1") == ones
    assert listed_ids(http, "staff2") == twos


@pytest.mark.parametrize("reader", ["finance", "logistics"])
def test_finance_and_logistics_read_every_request(http, pg_app, reader):
    everyone = [draft(http, "staff1"), submitted(http, "staff2"), submitted(http, "head1"), approved(http, "staff1")]
    assert listed_ids(http, reader) == {r["id"] for r in everyone}
    for req in everyone:
        assert read(http, reader, req)["id"] == req["id"]
        status, history = http.get(reader, f"{REQUESTS}/{req['id']}/history")
        assert status == 200 and history[0]["action"] == "create", history


# ---- nobody approves their own request -------------------------------------------------------

def test_a_dept_heads_own_request_skips_their_review_and_they_cannot_decide_it(http, pg_app):
    req = submitted(http, "head1", purpose="Pens for the head")
    assert req["status"] == "office_review", req
    assert req["id"] not in {i["id"] for i in queue(http, "head1")}
    before = table_counts(pg_app)
    for action, extra in (("approve", {}), ("return", {"comment": "x"}), ("reject", {"comment": "x"})):
        status, body = http.post("head1", f"{REQUESTS}/{req['id']}/actions/{action}",
                                 {"version": req["version"], **extra})
        assert_error(status, body, 403, "forbidden")
    assert table_counts(pg_app) == before
    # The second level decides it instead.
    assert [i["id"] for i in queue(http, "logistics")] == [req["id"]]
    assert act(http, "logistics", req, "approve")["status"] == "approved"


def test_logistics_cannot_approve_a_request_they_submitted_themselves_403(http, pg_app):
    accounts.create_user("head3", PASSWORD, "dept_head", pg_app.extensions["jieyue"].uow(), department_code="LOG")
    # Two energy-grade-1 air conditioners (6,400 CNY): over the threshold, so it needs logistics.
    req = submitted(http, "logistics", sku="APP-AC-1", quantity="2", purpose="Air conditioning for the depot")
    assert req["status"] == "dept_review" and req["needs_office_review"] is True, req
    req = act(http, "head3", req, "approve")
    assert req["status"] == "office_review", req
    assert req["id"] not in {i["id"] for i in queue(http, "logistics")}
    before = table_counts(pg_app)
    for action, extra in (("approve", {}), ("return", {"comment": "x"}), ("reject", {"comment": "x"})):
        status, body = http.post("logistics", f"{REQUESTS}/{req['id']}/actions/{action}",
                                 {"version": req["version"], **extra})
        assert_error(status, body, 403, "forbidden")
    assert table_counts(pg_app) == before
    after = read(http, "logistics", req)
    assert (after["status"], after["version"]) == ("office_review", req["version"])


@pytest.mark.parametrize("user", ["staff1", "finance", "buyer", "admin"])
def test_only_the_right_approver_decides_a_review_403_for_other_readers(http, pg_app, user):
    req = submitted(http, "staff1")
    http.token(user)
    before = table_counts(pg_app)
    status, body = http.post(user, f"{REQUESTS}/{req['id']}/actions/approve", {"version": req["version"]})
    assert_error(status, body, 403, "forbidden")
    assert table_counts(pg_app) == before


def test_approvers_cannot_submit_or_cancel_someone_elses_request_403(http, pg_app):
    req = draft(http, "staff1")
    for action in ("submit", "cancel"):
        status, body = http.post("head1", f"{REQUESTS}/{req['id']}/actions/{action}", {"version": req["version"]})
        assert_error(status, body, 403, "forbidden")
    status, body = http.patch("head1", f"{REQUESTS}/{req['id']}", {"version": req["version"], "purpose": "Edited"})
    assert_error(status, body, 403, "forbidden")
    assert read(http, "staff1", req) == req


# ---- purchase orders and the catalog ---------------------------------------------------------

@pytest.mark.parametrize("user", ["staff1", "head1", "logistics", "finance", "admin", "fleet"])
def test_only_the_buyer_places_purchase_orders_403_for_others(http, pg_app, user):
    req = approved(http, "staff1")
    line = req["lines"][0]
    http.token(user)
    before = table_counts(pg_app)
    status, body = http.post(user, ORDERS, {"supplier": line["supplier"], "line_ids": [line["id"]]})
    assert_error(status, body, 403, "forbidden")
    assert table_counts(pg_app) == before
    assert read(http, "staff1", req)["status"] == "approved"
    # The line is still waiting, and the buyer can order it.
    status, po = http.post("buyer", ORDERS, {"supplier": line["supplier"], "line_ids": [line["id"]]})
    assert status == 201, po


@pytest.mark.parametrize("user", ["staff1", "head1", "logistics", "buyer"])
def test_only_admin_adds_or_changes_catalog_items_403_for_others(http, pg_app, user):
    pen = http.item_id("STA-PEN-G")
    new = {"sku": "STA-RUL-B", "name": "Bamboo ruler", "category": "stationery", "unit": "piece",
           "unit_price": "4.00", "supplier": "Deli Office Supplies", "recyclable": True}
    http.token(user)
    before = table_counts(pg_app)
    assert_error(*http.post(user, ITEMS, new), 403, "forbidden")
    assert_error(*http.patch(user, f"{ITEMS}/{pen}", {"unit_price": "0.01"}), 403, "forbidden")
    assert table_counts(pg_app) == before
    status, item = http.get(user, f"{ITEMS}/{pen}")
    assert status == 200 and item["unit_price"] == "3.50", item

    status, created = http.post("admin", ITEMS, new)
    assert status == 201 and created["sku"] == "STA-RUL-B", created
    status, changed = http.patch("admin", f"{ITEMS}/{pen}", {"unit_price": "3.80"})
    assert status == 200 and changed["unit_price"] == "3.80", changed


# ---- tokens ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [REQUESTS, "/api/v1/queue", ITEMS, TOKENS, ORDERS])
def test_calls_without_a_token_are_401(http, pg_app, path):
    assert_error(*http.call(None, "GET", path), 401, "unauthorized")


@pytest.mark.parametrize("header", ["Bearer jy_not-a-real-token", "Bearer ", "Basic c3RhZmYxOnRlc3Q=", "jy_token"])
def test_calls_with_a_bad_authorization_header_are_401(http, pg_app, header):
    assert_error(*http.call(None, "GET", REQUESTS, headers={"Authorization": header}), 401, "unauthorized")


def test_a_revoked_token_is_refused_at_once_with_401(http, pg_app):
    token_id, token = new_token(http, "staff1", "laptop")
    assert http.call(None, "GET", REQUESTS, headers=bearer(token))[0] == 200
    status, body = http.call(None, "DELETE", f"{TOKENS}/{token_id}", headers=bearer(token))
    assert status == 204, body
    assert_error(*http.call(None, "GET", REQUESTS, headers=bearer(token)), 401, "unauthorized")
    assert_error(*http.call(None, "POST", REQUESTS, headers=bearer(token),
                            json={"purpose": "x", "lines": [{"item_id": 1, "quantity": "1"}]}), 401, "unauthorized")


def test_token_list_shows_only_the_callers_own_tokens(http, pg_app):
    own = {new_token(http, "staff1", "laptop")[0], new_token(http, "staff1", "phone")[0]}
    other_id, _ = new_token(http, "staff2", "desk")
    script_id, token = new_token(http, "staff1", "script")
    own.add(script_id)
    status, rows = http.call(None, "GET", TOKENS, headers=bearer(token))
    assert status == 200, rows
    assert {r["id"] for r in rows} == own and other_id not in {r["id"] for r in rows}
    assert {r["name"] for r in rows} == {"laptop", "phone", "script"}
    assert all("token" not in r and "token_hash" not in r for r in rows)


def test_deleting_another_users_token_is_404_and_the_token_keeps_working(http, pg_app):
    victim_id, victim = new_token(http, "staff1", "laptop")
    http.token("staff2")
    status, body = http.call("staff2", "DELETE", f"{TOKENS}/{victim_id}")
    assert_error(status, body, 404, "not_found")
    # Looks exactly like a token id that does not exist.
    assert http.call("staff2", "DELETE", f"{TOKENS}/{victim_id + 10_000}") == (status, body)
    assert http.call(None, "GET", REQUESTS, headers=bearer(victim))[0] == 200


# ---- work queues -----------------------------------------------------------------------------

@pytest.fixture
def office(http, pg_app):
    """Requests in every state a queue cares about."""
    return {
        "gen_review": submitted(http, "staff1"),                       # GEN, first level
        "fin_review": submitted(http, "staff2"),                       # FIN, first level
        "head_own": submitted(http, "head1", purpose="Head's pens"),   # GEN, skipped to office_review
        "big": act(http, "head1", submitted(http, "staff1", sku="APP-AC-1", quantity="2"), "approve"),
        "approved": approved(http, "staff1"),
        "draft": draft(http, "staff1"),
        "returned": act(http, "head1", submitted(http, "staff1"), "return", comment="Fewer, please"),
    }


def test_dept_head_queue_holds_only_their_departments_first_level_reviews_not_their_own(http, office):
    assert office["head_own"]["status"] == "office_review"
    items = queue(http, "head1")
    assert [i["id"] for i in items] == [office["gen_review"]["id"]]
    assert all(i["kind"] == "supply_request" and i["status"] == "dept_review" and i["department"] == "GEN"
               for i in items)
    assert [i["id"] for i in queue(http, "head2")] == [office["fin_review"]["id"]]


def test_logistics_queue_holds_only_second_level_reviews(http, office):
    assert office["big"]["status"] == "office_review"
    items = queue(http, "logistics")
    assert {i["id"] for i in items} == {office["head_own"]["id"], office["big"]["id"]}
    assert all(i["status"] == "office_review" and i["actions"] == ["approve", "return", "reject"] for i in items)


def test_buyer_queue_holds_only_approved_lines_not_yet_ordered(http, office):
    items = queue(http, "buyer")
    assert {i["id"] for i in items} == {l["id"] for l in office["approved"]["lines"]}
    assert all(i["kind"] == "supply_line" and i["request_id"] == office["approved"]["id"] and i["actions"] == ["order"]
               for i in items)
    line = office["approved"]["lines"][0]
    status, po = http.post("buyer", ORDERS, {"supplier": line["supplier"], "line_ids": [line["id"]]})
    assert status == 201, po
    assert queue(http, "buyer") == []


@pytest.mark.parametrize("user", ["staff1", "staff2", "finance", "admin", "fleet", "driver1"])
def test_roles_without_decisions_have_an_empty_queue(http, office, user):
    assert queue(http, user) == []


def test_every_queue_item_is_one_its_owner_may_act_on(http, office):
    # Acting on each item proves the queue lists nothing the role would be refused.
    for user in ("head1", "head2", "logistics"):
        for item in queue(http, user):
            status, body = http.post(user, f"{REQUESTS}/{item['id']}/actions/approve", {"version": item["version"]})
            assert status == 200, (user, item, body)
