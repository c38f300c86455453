"""Fail closed: when the audit event or the outbox event cannot be written, the change is not made."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from tests.support import inprocess_client
from workflow.kernel.audit import AuditEvent
from workflow.kernel.outbox import OutboxEvent


def _submitted(c):
    status, req = c.post("staff1", "/api/v1/supply-requests", {
        "purpose": "Pens", "lines": [{"item_id": c.item_id("STA-PEN-G"), "quantity": "5"}]})
    status, req = c.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 1})
    assert req["status"] == "dept_review"
    return req


@pytest.mark.parametrize("model", [AuditEvent, OutboxEvent], ids=["audit", "outbox"])
def test_a_failing_audit_or_outbox_write_rolls_the_approval_back(pg_app, model, record):
    c = inprocess_client(pg_app)
    req = _submitted(c)

    def fail_on_insert(mapper, connection, row):
        # The INSERT itself fails, inside the same transaction as the state change.
        raise OperationalError("INSERT", {}, RuntimeError("disk full"))

    event.listen(model, "before_insert", fail_on_insert)
    try:
        status, body = c.post("head1", f"/api/v1/supply-requests/{req['id']}/actions/approve",
                              {"version": req["version"]})
    finally:
        event.remove(model, "before_insert", fail_on_insert)
    answer = (status, body["code"])
    status, after = c.get("staff1", f"/api/v1/supply-requests/{req['id']}")
    status, history = c.get("staff1", f"/api/v1/supply-requests/{req['id']}/history")
    record("5", f"Failing {model.__tablename__} INSERT during an approval",
           f"answered {answer[0]} {answer[1]}; request still {after['status']} v{after['version']}; "
           f"history {[e['action'] for e in history]}")
    assert answer == (503, "unavailable")  # the database failed: nothing changed, try again later
    assert (after["status"], after["version"]) == ("dept_review", req["version"])
    assert [e["action"] for e in history] == ["create", "submit"]


def test_self_approval_is_refused_and_logged_for_security(pg_app, caplog, record):
    c = inprocess_client(pg_app)
    status, req = c.post("head1", "/api/v1/supply-requests", {
        "purpose": "Own pens", "lines": [{"item_id": c.item_id("STA-PEN-G"), "quantity": "5"}]})
    status, req = c.post("head1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 1})
    assert req["status"] == "office_review"
    with caplog.at_level(logging.WARNING, logger="jieyue.security"):
        status, err = c.post("head1", f"/api/v1/supply-requests/{req['id']}/actions/approve", {"version": req["version"]})
    logged = any("nobody approves their own request" in r.getMessage() for r in caplog.records)
    record("2", "Self-approval through the API", f"{status}, security log line: {logged}")
    assert status == 403
    assert logged
