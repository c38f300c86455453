"""Health probes, Prometheus metrics and JSON logs of the web app, on the embedded SQLite default.

The redactor on its own: tests/unit/test_log_redaction.py.
"""
from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

from tests import support
from tests.http.observability import APPROVE_ROUTE, json_lines, queue_count, samples, submitted_request, value
from workflow.notifications import sending, notices
from workflow.notifications.notices import Message
from workflow.notifications.transports import transports_for
from workflow.people.accounts import User

SECRET = "unit-secret-key-that-must-never-be-logged-0123456789"


@pytest.fixture
def json_app(sqlite_template, tmp_path):
    app = support.make_app(support.sqlite_copy(sqlite_template, tmp_path), LOG_FORMAT="json", SECRET_KEY=SECRET)
    yield app
    app.extensions["jieyue"].engine.dispose()


def scrape(flask_client, **headers) -> dict:
    response = flask_client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.data
    assert response.content_type.startswith("text/plain")
    return samples(response.get_data(as_text=True))


# ---- health ------------------------------------------------------------------------------------

def test_healthz_answers_ok_without_touching_the_database(tmp_path):
    app = support.make_app(f"sqlite:///{tmp_path}/missing-dir/none.db")
    try:
        flask_client = app.test_client()
        response = flask_client.get("/healthz")
        assert response.status_code == 200 and response.get_json() == {"status": "ok"}
        ready = flask_client.get("/readyz")
        assert ready.status_code == 503
        assert ready.get_json()["failed"] == ["database", "migrations"]
    finally:
        app.extensions["jieyue"].engine.dispose()


def test_readyz_is_ready_with_every_check_named_when_the_database_is_at_head(app):
    response = app.test_client().get("/readyz")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "ready" and "failed" not in body
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["migrations"]["ok"] and body["checks"]["migrations"]["database"] == \
        body["checks"]["migrations"]["head"]
    assert "redis" not in body["checks"]  # no REDIS_URL: the embedded default has nothing to check


def test_probes_and_metrics_need_no_login_and_refuse_no_csrf_less_get(app):
    flask_client = app.test_client()
    for path in ("/healthz", "/readyz", "/metrics"):
        assert flask_client.get(path).status_code == 200, path


# ---- metrics -----------------------------------------------------------------------------------

def test_metrics_want_the_bearer_token_when_one_is_set(sqlite_template, tmp_path):
    app = support.make_app(support.sqlite_copy(sqlite_template, tmp_path), METRICS_TOKEN="scrape-me-please")
    try:
        flask_client = app.test_client()
        assert flask_client.get("/metrics").status_code == 401
        assert flask_client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert scrape(flask_client, Authorization="Bearer scrape-me-please")
    finally:
        app.extensions["jieyue"].engine.dispose()


def test_an_approval_moves_the_request_and_transition_counters_by_exactly_one(app, client, record):
    flask_client = app.test_client()
    req = submitted_request(client)
    before = scrape(flask_client)
    status, approved = client.post("head1", f"/api/v1/supply-requests/{req['id']}/actions/approve",
                                   {"version": req["version"]})
    assert status == 200 and approved["status"] == "approved", approved
    after = scrape(flask_client)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("jieyue_http_requests_total", method="POST", route=APPROVE_ROUTE, status="200") == 1
    assert moved("jieyue_http_request_duration_seconds_count", method="POST", route=APPROVE_ROUTE) == 1
    assert moved("jieyue_transitions_total", flow="supply", action="approve") == 1
    assert moved("jieyue_transitions_total", flow="supply", action="submit") == 0
    # Route templates only: no label carries the request's id.
    assert not any(f"/{req['id']}/" in dict(labels).get("route", "") for _, labels in after)
    record("3", "counters after one approval over HTTP",
           f"requests +{moved('jieyue_http_requests_total', method='POST', route=APPROVE_ROUTE, status='200'):g}, "
           f"transitions(supply, approve) +{moved('jieyue_transitions_total', flow='supply', action='approve'):g}")


def test_a_refused_action_counts_its_status_but_no_transition(app, client):
    flask_client = app.test_client()
    req = submitted_request(client)
    before = scrape(flask_client)
    status, _ = client.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/approve", {"version": req["version"]})
    assert status == 403
    after = scrape(flask_client)
    assert value(after, "jieyue_http_requests_total", method="POST", route=APPROVE_ROUTE, status="403") - \
        value(before, "jieyue_http_requests_total", method="POST", route=APPROVE_ROUTE, status="403") == 1
    assert value(after, "jieyue_transitions_total", flow="supply", action="approve") == \
        value(before, "jieyue_transitions_total", flow="supply", action="approve")


def test_queue_depth_per_role_matches_the_queue_api(app, client, record):
    submitted_request(client, "staff1")  # waits for head1
    small = submitted_request(client, "staff2")  # head2 approves: its line waits for the buyer
    assert client.post("head2", f"/api/v1/supply-requests/{small['id']}/actions/approve",
                       {"version": small["version"]})[0] == 200
    large = submitted_request(client, "staff1", "APP-AC-1", "2")  # over 5,000 CNY: logistics after head1
    assert client.post("head1", f"/api/v1/supply-requests/{large['id']}/actions/approve",
                       {"version": large["version"]})[1]["status"] == "office_review"
    scraped = scrape(app.test_client())
    depth = {role: value(scraped, "jieyue_queue_depth", role=role)
             for role in ("dept_head", "logistics", "procurement", "fleet")}
    assert depth["dept_head"] == queue_count(client, "head1") + queue_count(client, "head2") >= 1
    assert depth["logistics"] == queue_count(client, "logistics") >= 1
    assert depth["procurement"] == queue_count(client, "buyer") >= 1
    assert depth["fleet"] == queue_count(client, "fleet")
    record("3", "queue depth per role (gauge = queue API)", ", ".join(f"{k} {v:g}" for k, v in depth.items()))


def test_outbox_lag_is_positive_while_events_wait_unpublished(app, client, runtime, record):
    scraped = scrape(app.test_client())
    assert value(scraped, "jieyue_outbox_unpublished") == 0 and value(scraped, "jieyue_outbox_lag_seconds") == 0
    runtime.on_outbox = None  # as with a broker whose relay has not run yet
    submitted_request(client)
    scraped = scrape(app.test_client())
    assert value(scraped, "jieyue_outbox_unpublished") >= 1
    assert value(scraped, "jieyue_outbox_lag_seconds") > 0
    record("3", "outbox while the relay waits",
           f"{value(scraped, 'jieyue_outbox_unpublished'):g} unpublished, "
           f"oldest {value(scraped, 'jieyue_outbox_lag_seconds'):.3f} s")


def test_failed_deliveries_are_counted_as_the_failed_messages_list_shows(sqlite_template, tmp_path, record):
    from tests.integration.servers import free_port

    # SMTP on a port nothing listens on: every attempt really fails to connect.
    app = support.make_app(support.sqlite_copy(sqlite_template, tmp_path), SMTP_URL=f"smtp://127.0.0.1:{free_port()}")
    try:
        client, runtime = support.inprocess_client(app), app.extensions["jieyue"]
        submitted_request(client)  # head1 is told by e-mail; the in-process delivery fails once
        runtime.wait_for_deliveries()  # that attempt runs in the background: not alongside the ones below
        with runtime.uow() as uow:
            pending = list(uow.session.scalars(select(Message.id).where(Message.status == "pending")))
        assert pending
        for message_id in pending:
            for _ in range(notices.MAX_ATTEMPTS):
                try:
                    if sending.send(message_id, runtime.uow(), transports_for(runtime.settings)) == "failed":
                        break
                except OSError:
                    continue
        status, failed = client.get("admin", "/api/v1/failed-messages")
        assert status == 200 and len(failed) == len(pending)
        assert value(scrape(app.test_client()), "jieyue_messages_failed") == len(failed)
        record("3", "failed deliveries (gauge = GET /failed-messages)", str(len(failed)))
    finally:
        app.extensions["jieyue"].engine.dispose()


# ---- logs --------------------------------------------------------------------------------------

def _csrf(flask_client, path="/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', flask_client.get(path).get_data(as_text=True)).group(1)


def test_json_lines_carry_request_user_and_item_and_no_password_token_or_secret(json_app, capsys, record):
    flask_client = json_app.test_client()
    flask_client.post("/login", data={"username": "staff1", "password": support.PASSWORD,
                                      "csrf_token": _csrf(flask_client)})
    client = support.inprocess_client(json_app)
    req = submitted_request(client)
    token = client.token("head1")
    capsys.readouterr()  # what follows is the approval alone

    response = flask_client.post(f"/api/v1/supply-requests/{req['id']}/actions/approve",
                                 json={"version": req["version"]},
                                 headers={"Authorization": f"Bearer {token}", "X-Request-ID": "approve-0001"})
    assert response.status_code == 200 and response.headers["X-Request-ID"] == "approve-0001"
    approval_lines = json_lines(capsys.readouterr().err)
    access = next(line for line in approval_lines if line["logger"] == "jieyue.access")
    with json_app.extensions["jieyue"].uow() as uow:
        head1 = uow.session.scalar(select(User.id).where(User.username == "head1"))
    assert access["request_id"] == "approve-0001" and access["user_id"] == head1
    assert access["item"] == req["number"] and re.fullmatch(r"SR-\d{4}-\d{6}", access["item"])
    assert access["method"] == "POST" and access["status"] == 200 and access["duration_ms"] >= 0
    assert {"timestamp", "level", "logger", "message"} <= set(access)
    record("4", "access line of an approval", str(access))


def test_a_generated_request_id_is_echoed_and_a_forged_one_replaced(app):
    flask_client = app.test_client()
    generated = flask_client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    forged = flask_client.get("/healthz", headers={"X-Request-ID": 'x" level=ERROR'}).headers["X-Request-ID"]
    assert forged != 'x" level=ERROR' and re.fullmatch(r"[0-9a-f]{32}", forged)


def test_nothing_logged_during_login_token_and_approval_carries_a_credential(json_app, capsys, record):
    # Everything the app wrote while logging in with a password, taking a token and approving,
    # plus a careless line that logs the request's headers and form: none of it may leak.
    flask_client = json_app.test_client()
    capsys.readouterr()
    flask_client.post("/login", data={"username": "head1", "password": support.PASSWORD,
                                      "csrf_token": _csrf(flask_client)})
    client = support.inprocess_client(json_app)
    req = submitted_request(client)
    token = client.token("head1")
    with json_app.test_request_context("/x", method="POST", headers={"Authorization": f"Bearer {token}",
                                                                   "Cookie": "jy_session=abc"}):
        from flask import request

        logging.getLogger("jieyue.careless").warning(
            "headers %s form %s", dict(request.headers), {"username": "head1", "password": support.PASSWORD},
            extra={"settings": {"secret_key": SECRET}})
        logging.getLogger("jieyue.careless").error("bad key %s, token %s", SECRET, token)
    status, _ = client.post("head1", f"/api/v1/supply-requests/{req['id']}/actions/approve",
                            {"version": req["version"]})
    assert status == 200
    err = capsys.readouterr().err
    lines = json_lines(err)
    assert any(line["logger"] == "jieyue.careless" for line in lines)
    assert any(line.get("path") == "/api/v1/auth/tokens" for line in lines)
    for needle in (support.PASSWORD, token, token[3:], SECRET):
        assert needle not in err, needle
    record("4", "JSON lines checked for credentials", f"{len(lines)} lines, no password, token or SECRET_KEY")
