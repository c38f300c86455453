"""Malformed input is a 4xx with a code and the field, never a 500, and nothing is saved (issue 14, point 7).

Deep JSON, lone surrogates and NULs (API bodies, queries, web forms), broken action-link tokens,
CR/LF in redirect targets, page bounds out of range (400 saying the range, not clamped),
whitespace-only required text, and trips in the past, backwards or longer than the policy allows.
Variants of one kind run in one test against one database (each app costs a second or two).
"""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from tests import support
from workflow.approvals import action_links
from workflow.kernel.db import utcnow
from workflow.models import metadata

REQUESTS = "/api/v1/supply-requests"
TRIPS = "/api/v1/trip-requests"
OFF_CATALOG = {"description": "Archive boxes", "category": "stationery", "unit": "piece", "unit_price": "12.50",
               "quantity": "4"}


def counts(app) -> dict[str, int]:
    with app.extensions["jieyue"].engine.connect() as conn:
        return {t.name: conn.scalar(select(func.count()).select_from(t)) for t in metadata.sorted_tables}


def raw(app, client, user, method, path, data: bytes):
    headers = {"Content-Type": "application/json"}
    if user:
        headers["Authorization"] = f"Bearer {client.token(user)}"
    resp = app.test_client().open(path, method=method, data=data, headers=headers)
    return resp.status_code, resp.get_json(silent=True)


def assert_refused(status, body, expected: int, code: str, field: str | None = None):
    assert status == expected, (status, body)
    assert body["code"] == code and body["message"], body
    if field is not None:
        assert field in body["errors"] and body["errors"][field], body


def trip(**changes) -> dict:
    body = {"purpose_category": "meeting", "purpose": "Budget meeting", "destination": "County hall",
            "distance_km": "18.5", "passengers": 2, "depart_at": at(days=3), "return_at": at(days=3, hours=3)}
    body.update(changes)
    return body


def at(*, days: float = 0, hours: float = 0, minutes: float = 0) -> str:
    """A time relative to the service's own now (workflow.kernel.db.utcnow), in the office's zone."""
    moment = utcnow() + dt.timedelta(days=days, hours=hours, minutes=minutes)
    return moment.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(microsecond=0).isoformat()


# ---- deep JSON, lone surrogates, NULs ------------------------------------------------------------

DEEP = {
    "10000_open_brackets": b"[" * 10_000,
    "10000_open_objects": b'{"a":' * 10_000,
    "10000_closed_brackets": b"[" * 10_000 + b"]" * 10_000,
    "deep_inside_a_field": b'{"purpose": ' + b"[" * 500 + b"]" * 500 + b', "lines": []}',
}


@pytest.mark.parametrize("user, path", [("staff1", REQUESTS), ("staff1", TRIPS), (None, "/api/v1/auth/tokens")])
def test_deeply_nested_json_is_400_and_writes_nothing(client, app, user, path, record):
    if user:
        client.token(user)
    before = counts(app)
    answers = {}
    for case, data in DEEP.items():
        status, body = raw(app, client, user, "POST", path, data)
        assert status == 400, (case, body)
        assert body["code"] == "bad_request" and body["errors"], (case, body)
        answers[case] = status
    assert counts(app) == before
    record("8", f"deeply nested JSON to {path}", f"{answers}, nothing written")


def test_nesting_as_deep_as_our_bodies_is_still_read_by_the_schema(client, app):
    # Depth alone is no refusal: a normal request (lines inside a list inside the body) passes.
    status, body = client.post("staff1", REQUESTS, {"purpose": "Boxes", "lines": [OFF_CATALOG]})
    assert status == 201, body


BAD_TEXT = {  # case: (raw JSON body, the field the error names)
    "lone_high_surrogate_in_purpose": (b'{"purpose": "\\ud800", "lines": []}', "purpose"),
    "lone_low_surrogate_in_purpose": (b'{"purpose": "ok \\udfff", "lines": []}', "purpose"),
    "reversed_pair": (b'{"purpose": "\\ude00\\ud83d", "lines": []}', "purpose"),
    "surrogate_in_a_line": (b'{"purpose": "Boxes", "lines": [{"description": "box\\ud800", "category": "stationery",'
                            b' "unit": "piece", "unit_price": "1.00", "quantity": "1"}]}', "lines.0.description"),
    "surrogate_in_a_key": (b'{"purpose": "Boxes", "\\ud800": 1, "lines": []}', "\\ud800"),
    "nul_in_purpose": (b'{"purpose": "Pens\\u0000", "lines": []}', "purpose"),
    "nul_alone": (b'{"purpose": "\\u0000", "lines": []}', "purpose"),
    "nul_in_a_line_unit": (b'{"purpose": "Boxes", "lines": [{"description": "box", "category": "stationery",'
                           b' "unit": "pi\\u0000ece", "unit_price": "1.00", "quantity": "1"}]}', "lines.0.unit"),
}


def test_lone_surrogates_and_nuls_in_json_are_400_naming_the_field_and_write_nothing(client, app):
    client.token("staff1")
    before = counts(app)
    for case, (data, field) in BAD_TEXT.items():
        status, body = raw(app, client, "staff1", "POST", REQUESTS, data)
        assert status == 400 and body["code"] == "bad_request" and field in body["errors"], (case, body)
    assert counts(app) == before


def test_a_surrogate_pair_is_a_character_and_is_accepted(client):
    # The counterpart: an emoji written as an escaped pair is good text, not a lone surrogate.
    status, body = client.post("staff1", REQUESTS, {"purpose": "Party \ud83d\ude00", "lines": [OFF_CATALOG]})
    assert status == 201 and body["purpose"] == "Party \U0001F600", body


def test_a_nul_in_the_query_is_400_naming_it(client):
    for query, field in [("q=%00", "query.q"), ("q=pen%00cil", "query.q"), ("%00=1", "query.\\x00")]:
        status, body = client.get("staff1", f"/api/v1/catalog/items?{query}")
        assert status == 400 and body["code"] == "bad_request" and field in body["errors"], (query, body)


def _csrf(web, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', web.get(path).get_data(as_text=True)).group(1)


def _web_login(app, user="staff1"):
    web = app.test_client()
    web.post("/login", data={"username": user, "password": support.PASSWORD, "csrf_token": _csrf(web, "/login")})
    return web


def test_a_nul_in_a_web_form_is_400_and_writes_nothing(app):
    web = _web_login(app)
    before = counts(app)
    for field in ("purpose", "quantity", "item_id"):
        form = {"csrf_token": _csrf(web, "/app/supply/new"), "purpose": "Boxes", "item_id": "1", "quantity": "1"}
        form[field] = "bad\x00text"
        resp = web.post("/app/supply/new", data=form)
        assert resp.status_code == 400, (field, resp.get_data(as_text=True)[:500])
    assert counts(app) == before


# ---- action-link tokens ----------------------------------------------------------------------------

def _forged(app) -> list[str]:
    good = action_links.make("another-secret", kind="supply_request", item_id=1, version=1, user_id=1,
                             action="approve", now=utcnow())
    body, sig = good.split(".")
    return [good, f"{body}.{sig[:-2]}", f"{body}x.{sig}", f"{body}.{sig}.{sig}", f"{body}.é{sig[1:]}"]


TOKENS = ["garbage", "a.b", "a.b.c", ".", "..", "é.é", "%E2%80%AE.x", "%00.%00", "x" * 5000,
          "x" * 500 + "." + "y" * 500, "%ED%A0%80.a", "eyJrIjoxfQ.", ".eyJrIjoxfQ", "%0d%0a.x"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_malformed_or_forged_action_link_tokens_are_refused_never_500(app, method):
    web = app.test_client()
    for token in TOKENS + _forged(app):
        resp = web.open(f"/act/{token}", method=method, data={"comment": "ok"})
        assert 400 <= resp.status_code < 500, (token[:40], resp.status_code)


def test_a_token_of_the_right_shape_but_non_ascii_is_refused_by_the_reader(app):
    from workflow.kernel.errors import Forbidden

    secret = app.extensions["jieyue"].settings.secret_key
    for token in ["é.é", "\ud800.x", "a" * 2000 + "." + "b"]:
        with pytest.raises(Forbidden):
            action_links.read(secret, token, utcnow())


# ---- CR/LF in redirect targets ---------------------------------------------------------------------

def test_cr_lf_in_the_login_target_never_500s_nor_splits_the_header(app):
    for target in ["/app%0d%0aSet-Cookie:%20x=1", "/app%0aLocation:%20https://evil.example", "%0d%0a//evil.example",
                   "/app%09/x", "/%0d/evil.example", "/app%00"]:
        web = app.test_client()
        resp = web.post(f"/login?next={target}", data={"username": "staff1", "password": support.PASSWORD,
                                                        "csrf_token": _csrf(web, "/login")})
        assert resp.status_code < 500, (target, resp.status_code)
        location = resp.headers.get("Location", "")
        # Read as a browser reads it (api/security.safe_next): at most a path of this site is left.
        assert "\r" not in location and "\n" not in location and _stays_here(location), (target, location)
        assert not [c for c in resp.headers.getlist("Set-Cookie") if c.startswith("x=")], target


def _stays_here(location: str) -> bool:
    parts = urlsplit(location)
    return parts.netloc in ("", "localhost") and parts.path.startswith("/") and not parts.path.startswith("//")


def test_cr_lf_in_the_language_switch_target_never_500s(app):
    web = _web_login(app)
    for target in ["/app\r\nSet-Cookie: x=1", "/app\nX: y", "\r\n//evil.example", "/\t/evil.example", "/app\x00"]:
        resp = web.post("/language", data={"language": "zh", "next": target,
                                           "csrf_token": _csrf(web, "/app/requests")})
        assert resp.status_code < 500, (target, resp.status_code)
        location = resp.headers.get("Location", "")
        assert "\r" not in location and "\n" not in location and _stays_here(location), (target, location)


# ---- page bounds: 400 saying the range, never clamped ----------------------------------------------

LISTS = [("staff1", REQUESTS), ("staff1", TRIPS), ("staff1", "/api/v1/catalog/items"), ("head1", "/api/v1/queue"),
         ("staff1", "/api/v1/notifications"), ("buyer", "/api/v1/purchase-orders")]


def test_every_list_endpoints_page_size_out_of_range_is_400_with_the_range_and_its_bounds_pass(client):
    for user, path in LISTS:
        for value in ["0", "201", "-1", "100000000000000000000", "ten", ""]:
            status, body = client.get(user, f"{path}?limit={value}")
            assert status == 400 and body["code"] == "bad_request" and "query.limit" in body["errors"], (path, body)
            if value.lstrip("-").isdigit():
                assert "1 and less than or equal to 200" in body["errors"]["query.limit"][0], (path, body)
        for value in (1, 200):
            status, body = client.get(user, f"{path}?limit={value}")
            assert status == 200, (path, value, body)


def test_a_cursor_id_out_of_range_is_400(client):
    for path in (REQUESTS, TRIPS):
        for value in ["0", "2147483648", "-5"]:
            status, body = client.get("staff1", f"{path}?before_id={value}")
            assert status == 400 and "query.before_id" in body["errors"], (path, value, body)


@pytest.mark.parametrize("user, page, param", [("buyer", "/app/purchasing/orders", "before"),
                                               ("admin", "/app/admin/catalog", "after")])
def test_a_web_pages_cursor_out_of_range_is_400_saying_the_range(app, user, page, param):
    web = _web_login(app, user)
    for value in ["abc", "²", "0", "2147483648", "-1", "1.5", "1" * 5000]:
        resp = web.get(f"{page}?{param}={value}")
        assert resp.status_code == 400, (value[:20], resp.status_code)
        assert "2147483647" in resp.get_data(as_text=True)
    assert web.get(f"{page}?{param}=1").status_code == 200


# ---- whitespace-only required text -----------------------------------------------------------------

BLANKS = ["   ", "\t\n", "\u3000\u3000"]  # the last: ideographic spaces, typed with a Chinese keyboard


@pytest.mark.parametrize("user, path, build, field", [
    ("staff1", REQUESTS, lambda b: {"purpose": b, "lines": [OFF_CATALOG]}, "purpose"),
    ("staff1", REQUESTS, lambda b: {"purpose": "Boxes", "lines": [dict(OFF_CATALOG, description=b)]},
     "lines.0.description"),
    ("staff1", TRIPS, lambda b: trip(purpose=b), "purpose"),
    ("staff1", TRIPS, lambda b: trip(destination=b), "destination"),
    ("buyer", "/api/v1/purchase-orders", lambda b: {"supplier": b, "line_ids": [1]}, "supplier"),
    ("admin", "/api/v1/departments", lambda b: {"code": "NEW", "name": b}, "name"),
])
def test_whitespace_only_required_text_is_422_naming_the_field_and_writes_nothing(client, app, user, path, build,
                                                                                   field):
    client.token(user)
    before = counts(app)
    for blank in BLANKS:
        status, body = client.post(user, path, build(blank))
        assert status == 422 and body["code"] == "validation_error" and field in body["errors"], (blank, body)
    assert counts(app) == before


def test_whitespace_only_purpose_on_edit_is_422_and_the_draft_keeps_its_purpose(client, app):
    status, req = client.post("staff1", REQUESTS, {"purpose": "Boxes", "lines": [OFF_CATALOG]})
    assert status == 201, req
    for blank in BLANKS:
        status, body = client.patch("staff1", f"{REQUESTS}/{req['id']}", {"version": req["version"], "purpose": blank})
        assert_refused(status, body, 422, "validation_error", "purpose")
    after = client.get("staff1", f"{REQUESTS}/{req['id']}")[1]
    assert (after["purpose"], after["version"]) == ("Boxes", req["version"])


@pytest.mark.parametrize("action", ["return", "reject"])
def test_a_whitespace_only_comment_where_one_is_required_is_422_naming_comment(client, app, action):
    status, req = client.post("staff1", REQUESTS, {"purpose": "Boxes", "lines": [OFF_CATALOG]})
    status, req = client.post("staff1", f"{REQUESTS}/{req['id']}/actions/submit", {"version": req["version"]})
    assert status == 200, req
    client.token("head1")
    before = counts(app)
    for blank in BLANKS:
        status, body = client.post("head1", f"{REQUESTS}/{req['id']}/actions/{action}",
                                   {"version": req["version"], "comment": blank})
        assert_refused(status, body, 422, "validation_error", "comment")
    assert counts(app) == before


# ---- trips in the past, backwards, or too long -----------------------------------------------------

TRIP_TIMES = {  # case: (depart_at, return_at, the field named)
    "departed_an_hour_ago": (dict(hours=-1), dict(hours=2), "depart_at"),
    "departed_yesterday": (dict(days=-1), dict(days=-1, hours=3), "depart_at"),
    "departed_a_minute_ago": (dict(minutes=-1), dict(hours=3), "depart_at"),
    "returns_before_leaving": (dict(days=2, hours=5), dict(days=2, hours=1), "return_at"),
    "returns_as_it_leaves": (dict(days=2), dict(days=2), "return_at"),
    "lasts_31_days": (dict(days=2), dict(days=33), "return_at"),
    "lasts_30_days_and_a_minute": (dict(days=2), dict(days=32, minutes=1), "return_at"),
    "lasts_ten_years": (dict(days=2), dict(days=3652), "return_at"),
}


def test_a_trip_in_the_past_backwards_or_too_long_is_422_naming_the_field_and_writes_nothing(client, app):
    client.token("staff1")
    before = counts(app)
    for case, (depart, back, field) in TRIP_TIMES.items():
        status, body = client.post("staff1", TRIPS, trip(depart_at=at(**depart), return_at=at(**back)))
        assert status == 422 and body["code"] == "validation_error" and field in body["errors"], (case, body)
    assert counts(app) == before


def test_a_refused_short_trip_in_the_past_is_not_counted_as_avoided(client, app):
    # Nothing is saved, not even the avoided-trip row a refused short trip otherwise leaves.
    client.token("staff1")
    before = counts(app)
    status, body = client.post("staff1", TRIPS, trip(distance_km="0.5", depart_at=at(days=-2),
                                                     return_at=at(days=-2, hours=1)))
    assert_refused(status, body, 422, "validation_error", "depart_at")
    assert counts(app) == before


def test_a_trip_of_exactly_the_policy_maximum_is_accepted(client, app):
    status, body = client.post("staff1", TRIPS, trip(depart_at=at(days=2), return_at=at(days=32)))
    assert status == 201, body


def test_the_maximum_trip_length_is_the_policy_documents(client, app):
    from policies import DEFAULT_DOCUMENT

    assert DEFAULT_DOCUMENT["travel"]["max_trip_days"] == 30


@pytest.mark.parametrize("changes, field", [
    (lambda: {"depart_at": at(days=-1)}, "depart_at"),
    (lambda: {"return_at": at(days=40)}, "return_at"),
    (lambda: {"depart_at": at(days=10), "return_at": at(days=9)}, "return_at"),
])
def test_revising_a_returned_trip_into_the_past_or_too_long_is_422_and_changes_nothing(client, app, changes, field):
    status, req = client.post("staff1", TRIPS, trip())
    assert status == 201, req
    status, req = client.post("head1", f"{TRIPS}/{req['id']}/actions/return", {"version": req["version"],
                                                                                "comment": "Which hall?"})
    assert status == 200 and req["status"] == "sent_back", req
    before = counts(app)
    status, body = client.patch("staff1", f"{TRIPS}/{req['id']}", {"version": req["version"], **changes()})
    assert_refused(status, body, 422, "validation_error", field)
    assert counts(app) == before
    after = client.get("staff1", f"{TRIPS}/{req['id']}")[1]
    assert (after["version"], after["depart_at"], after["return_at"]) == (req["version"], req["depart_at"],
                                                                          req["return_at"])


def test_ids_in_web_forms_that_int_cannot_read_are_4xx_never_500(app):
    web = _web_login(app)
    before = counts(app)
    for value in ["²", "\u0663", "1" * 5000, "-1", "1e3"]:
        resp = web.post("/app/supply/new", data={"csrf_token": _csrf(web, "/app/supply/new"), "purpose": "Boxes",
                                                 "item_id": value, "quantity": "1"})
        assert 400 <= resp.status_code < 500, (value[:20], resp.status_code)
    assert counts(app) == before
