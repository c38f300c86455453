"""The procurement flow on PostgreSQL over real HTTP, and approvers racing for one request."""
from __future__ import annotations

import threading
from decimal import Decimal

from sqlalchemy import func, select

from tests.http.lifecycle import run_full_lifecycle
from workflow.kernel.audit import AuditEvent
from workflow.kernel.outbox import OutboxEvent
from workflow.people.accounts import Department
from workflow.procurement.budget import Budget


def test_request_runs_from_draft_to_received_over_http_on_postgresql(http, pg_app):
    result = run_full_lifecycle(http)
    runtime = pg_app.extensions["jieyue"]
    with runtime.uow() as uow:
        dep_id = uow.session.scalar(select(Department.id).where(Department.code == "GEN"))
        budget = uow.session.scalar(select(Budget).where(Budget.department_id == dep_id))
        assert budget.spent == result["spend"] and budget.committed == Decimal("0.00")
        topics = uow.session.scalars(select(OutboxEvent.topic).where(
            OutboxEvent.aggregate_type == "supply_request", OutboxEvent.aggregate_id == result["request"]["id"])
            .order_by(OutboxEvent.id)).all()
    assert topics == ["request.submitted", "task.assigned", "request.advanced", "task.assigned", "request.approved"]


def _submitted_request(c, user="staff1"):
    status, req = c.post(user, "/api/v1/supply-requests", {
        "purpose": "Pens", "lines": [{"item_id": c.item_id("STA-PEN-G"), "quantity": "20"}]})
    assert status == 201, req
    status, req = c.post(user, f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 1})
    assert status == 200 and req["status"] == "dept_review", req
    return req


def test_two_approvers_at_the_same_version_one_wins_the_other_gets_409(http, pg_app):
    # head1 and a second head of the same department act on one version at the same moment.
    runtime = pg_app.extensions["jieyue"]
    from workflow.people import accounts

    accounts.create_user("head1b", "test-pass-2026", "dept_head", runtime.uow(), department_code="GEN")
    req = _submitted_request(http)
    for user in ("head1", "head1b"):
        http.token(user)  # log in first so both requests leave together
    barrier = threading.Barrier(2)
    results = {}

    def approve(user):
        barrier.wait()
        results[user] = http.post(user, f"/api/v1/supply-requests/{req['id']}/actions/approve",
                                  {"version": req["version"]})

    threads = [threading.Thread(target=approve, args=(u,)) for u in ("head1", "head1b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = sorted(status for status, _ in results.values())
    assert statuses == [200, 409], results
    loser = next(body for status, body in results.values() if status == 409)
    assert loser["code"] == "stale_version"
    with runtime.uow() as uow:
        approvals = uow.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity_id == req["id"], AuditEvent.action == "approve"))
    assert approvals == 1
