"""Planning notifications: recipients, languages, action links, department webhooks, no doubles."""
import pytest
from sqlalchemy import select

from tests import support

from workflow.kernel.outbox import OutboxEvent
from workflow.notifications import sending
from workflow.notifications.notices import Message


@pytest.fixture
def app(sqlite_template, tmp_path):
    # The department hook below is on this machine: saved only because an administrator allows it.
    app = support.make_app(support.sqlite_copy(sqlite_template, tmp_path), WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
    yield app
    app.extensions["jieyue"].wait_for_deliveries()
    app.extensions["jieyue"].engine.dispose()


def _submit(client):
    status, req = client.post("staff1", "/api/v1/supply-requests", {
        "purpose": "Pens", "lines": [{"item_id": client.item_id("STA-PEN-G"), "quantity": "10"}]})
    status, req = client.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 1})
    return req


def _task_event(runtime, req_id):
    with runtime.uow() as uow:
        return uow.session.scalar(select(OutboxEvent.id).where(
            OutboxEvent.topic == "task.assigned", OutboxEvent.aggregate_id == req_id))


def test_approver_email_carries_signed_action_links_in_their_language(client, runtime, app):
    req = _submit(client)
    ids = sending.plan(_task_event(runtime, req["id"]), runtime.uow(), "http://office.example",
                       ("email",), app.config["SECRET_KEY"])
    with runtime.uow() as uow:
        messages = uow.session.scalars(select(Message).where(Message.id.in_(ids))).all()
        assert [m.address for m in messages] == ["head1@jieyue.local"]
        assert "批准: http://office.example/act/" in messages[0].body
        assert "退回: http://office.example/act/" in messages[0].body
        assert messages[0].language == "zh" and "待您审批" in messages[0].subject
    # Planning again adds nothing.
    assert sending.plan(_task_event(runtime, req["id"]), runtime.uow(), "http://office.example",
                        ("email",), app.config["SECRET_KEY"]) == ids


def test_a_department_webhook_gets_the_departments_approval_tasks(client, runtime):
    status, deps = client.get("admin", "/api/v1/departments")
    gen = next(d["id"] for d in deps if d["code"] == "GEN")
    assert client.call("staff1", "PUT", f"/api/v1/departments/{gen}/webhook", {"url": "http://127.0.0.1:9/hook"})[0] == 403
    status, hook = client.call("admin", "PUT", f"/api/v1/departments/{gen}/webhook", {"url": "http://127.0.0.1:9/hook"})
    assert status == 200, hook
    req = _submit(client)
    sending.plan(_task_event(runtime, req["id"]), runtime.uow(), "http://x", ("webhook",))
    with runtime.uow() as uow:
        rows = uow.session.execute(select(Message.recipient, Message.channel, Message.address)).all()
    assert (f"department:{gen}", "webhook", "http://127.0.0.1:9/hook") in rows
