"""Out-of-office delegation, due times, reminders and escalation."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.http.trip_support import at
from workflow.kernel.audit import AuditEvent
from workflow.kernel.db import utcnow
from workflow.kernel.office_calendar import NATIONAL
from workflow.notifications.notices import Notification
from workflow.people import accounts
from workflow.people.delegation import Delegation
from workflow.worklist.reminders import remind_and_escalate

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _submitted(client, user="staff1"):
    status, req = client.post(user, "/api/v1/supply-requests", {
        "purpose": "Pens", "lines": [{"item_id": client.item_id("STA-PEN-G"), "quantity": "10"}]})
    status, req = client.post(user, f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 1})
    assert status == 200, req
    return req


def test_a_delegate_sees_the_items_and_acts_on_behalf_with_both_in_the_audit(client, runtime):
    # Another department's head: a head's approvals go to a head or logistics only (issue 14).
    accounts.create_user("deputy1", "test-pass-2026", "dept_head", runtime.uow(), department_code="LOG")
    req = _submitted(client)
    status, _ = client.post("deputy1", f"/api/v1/supply-requests/{req['id']}/actions/approve", {"version": req["version"]})
    assert status in (403, 404)  # not before the delegation
    status, d = client.post("head1", "/api/v1/delegations", {
        "delegate": "deputy1", "starts_at": utcnow().isoformat(), "ends_at": at(5, 18)})
    assert status == 201, d
    status, queue = client.get("deputy1", "/api/v1/queue")
    assert [(i["id"], i["on_behalf_of"]) for i in queue["items"]] == [(req["id"], "head1")]
    # deputy1 can now see the request (as head1's delegate) and approve it.
    status, done = client.post("deputy1", f"/api/v1/supply-requests/{req['id']}/actions/approve", {"version": req["version"]})
    assert status == 200 and done["status"] == "approved", done
    status, history = client.get("staff1", f"/api/v1/supply-requests/{req['id']}/history")
    assert (history[-1]["actor"], history[-1]["on_behalf_of"]) == ("deputy1", "head1")


def test_a_revoked_or_expired_delegation_gives_nothing(client, runtime):
    deputy = accounts.create_user("deputy2", "test-pass-2026", "dept_head", runtime.uow(), department_code="LOG")
    _submitted(client)
    # A delegation that ended yesterday (one starting in the past can no longer be made: issue 14).
    with runtime.uow() as uow:
        head1 = uow.session.scalar(select(accounts.User.id).where(accounts.User.username == "head1"))
        uow.session.add(Delegation(delegator_id=head1, delegate_id=deputy, created_at=utcnow(),
                                   starts_at=dt.datetime.fromisoformat(at(-3, 9)),
                                   ends_at=dt.datetime.fromisoformat(at(-1, 9))))
        uow.commit()
    assert client.get("deputy2", "/api/v1/queue")[1]["items"] == []
    status, d = client.post("head1", "/api/v1/delegations", {
        "delegate": "deputy2", "starts_at": at(0, 0), "ends_at": at(3, 9)})
    assert status == 201, d
    assert len(client.get("deputy2", "/api/v1/queue")[1]["items"]) == 1
    assert client.call("head1", "DELETE", f"/api/v1/delegations/{d['id']}")[0] == 204
    assert client.get("deputy2", "/api/v1/queue")[1]["items"] == []


def test_only_approvers_delegate_and_not_to_themselves(client):
    body = {"delegate": "staff2", "starts_at": at(1, 9), "ends_at": at(2, 9)}
    assert client.post("staff1", "/api/v1/delegations", body)[0] == 403
    status, err = client.post("head1", "/api/v1/delegations", body | {"delegate": "head1"})
    assert status == 422 and "delegate" in err["errors"]
    status, err = client.post("head1", "/api/v1/delegations", body | {"ends_at": at(0, 9)})
    assert status == 422 and "ends_at" in err["errors"]


def _count(runtime, model, *where):
    with runtime.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


MINUTE = dt.timedelta(minutes=1)


# Submitted on a Wednesday, on a Saturday (the day this test once failed on), and on the Friday
# before the Spring Festival (the working Saturday after it counts, then nine days off).
@pytest.mark.parametrize("submitted", [dt.datetime(2026, 6, 10, 10, 0, tzinfo=SHANGHAI),
                                       dt.datetime(2026, 12, 5, 10, 0, tzinfo=SHANGHAI),
                                       dt.datetime(2026, 2, 13, 16, 0, tzinfo=SHANGHAI)])
def test_overdue_items_are_reminded_once_then_escalated_to_logistics(client, runtime, clock_at, submitted):
    clock_at(submitted)
    req = _submitted(client)
    due = NATIONAL.add_working_days(submitted, 2, SHANGHAI)  # the policy's two working days
    second = NATIONAL.add_working_days(due, 2, SHANGHAI)
    clock_at(due - MINUTE)
    assert remind_and_escalate(runtime.uow()) == {"reminded": 0, "escalated": 0}  # not due yet
    status, queue = client.get("head1", "/api/v1/queue")
    assert queue["items"][0]["overdue"] is False
    # The office's clock runs on while the test acts: the request went in a few seconds after `submitted`.
    assert dt.timedelta(0) <= dt.datetime.fromisoformat(queue["items"][0]["due_at"]) - due < MINUTE
    clock_at(due + MINUTE)
    assert remind_and_escalate(runtime.uow()) == {"reminded": 1, "escalated": 0}
    assert remind_and_escalate(runtime.uow()) == {"reminded": 0, "escalated": 0}  # once only
    assert _count(runtime, Notification, Notification.topic == "task.overdue") == 1
    status, queue = client.get("head1", "/api/v1/queue")
    assert queue["items"][0]["overdue"] is True
    clock_at(second - MINUTE)
    assert remind_and_escalate(runtime.uow()) == {"reminded": 0, "escalated": 0}
    clock_at(second + MINUTE)  # a second period later
    assert remind_and_escalate(runtime.uow()) == {"reminded": 0, "escalated": 1}
    status, item = client.get("staff1", f"/api/v1/supply-requests/{req['id']}")
    assert item["status"] == "office_review"
    assert [i["id"] for i in client.get("logistics", "/api/v1/queue")[1]["items"]] == [req["id"]]
    actions = [a for (a,) in _rows(runtime, req["id"])]
    assert actions[-2:] == ["remind", "escalate"]


def _rows(runtime, req_id):
    with runtime.uow() as uow:
        return uow.session.execute(select(AuditEvent.action).where(
            AuditEvent.entity_type == "supply_request", AuditEvent.entity_id == req_id).order_by(AuditEvent.id)).all()
