"""Each thing once: one outbox relay, one retry of failed messages, one role check for pages.

One demo seed: tests/services/test_one_path_each.py.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests import support
from workflow.kernel.access import SYSTEM, Actor
from workflow.kernel.errors import Forbidden
from workflow.kernel.outbox import OutboxEvent
from workflow.notifications import notices
from workflow.notifications.notices import Message


@pytest.fixture
def quiet(runtime):
    """Events stay in the outbox after each commit (no in-process delivery), for the relay to move."""
    runtime.on_outbox = None
    return runtime


def _drafts(client, n: int) -> None:
    for _ in range(n):
        status, req = client.post("staff1", "/api/v1/supply-requests", {
            "purpose": "Pens", "lines": [{"item_id": client.item_id("STA-PEN-G"), "quantity": "1"}]})
        assert status == 201, req
        status, done = client.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 1})
        assert status == 200, done


def _waiting(runtime) -> int:
    return notices.unpublished_count(runtime.uow())


# ---- the relay ---------------------------------------------------------------------------------

@pytest.mark.parametrize("batch", [1, 2, 200])
def test_the_relay_hands_every_waiting_event_over_once_in_batches(client, quiet, batch):
    _drafts(client, 3)
    waiting = _waiting(quiet)
    assert waiting >= 3
    handed: list[list[int]] = []
    assert notices.relay(quiet.uow, handed.append, batch=batch) == waiting
    ids = [i for chunk in handed for i in chunk]
    assert len(ids) == len(set(ids)) == waiting and ids == sorted(ids)
    assert all(len(chunk) <= batch for chunk in handed)
    assert _waiting(quiet) == 0
    assert notices.relay(quiet.uow, handed.append, batch=batch) == 0  # nothing twice


def test_a_failing_publisher_leaves_the_batch_waiting(client, quiet):
    _drafts(client, 1)
    waiting = _waiting(quiet)

    def broker_down(ids):
        raise ConnectionError("broker away")

    with pytest.raises(ConnectionError):
        notices.relay(quiet.uow, broker_down)
    assert _waiting(quiet) == waiting


def test_relay_outbox_command_without_a_broker_delivers_here(app, client, quiet):
    _drafts(client, 2)
    waiting = _waiting(quiet)
    result = app.test_cli_runner().invoke(args=["relay-outbox"])
    assert result.exit_code == 0, result.output
    assert f"Relayed {waiting} event(s)" in result.output
    assert _waiting(quiet) == 0
    with quiet.uow() as uow:  # planned here: the inbox has the approver's line
        assert uow.session.scalar(select(func.count()).select_from(OutboxEvent)
                                  .where(OutboxEvent.planned_at.is_(None))) == 0


def test_relay_outbox_command_with_a_broker_hands_events_to_the_publisher_the_app_was_given(app, client, quiet):
    _drafts(client, 2)
    waiting = _waiting(quiet)
    published: list[int] = []
    quiet.settings = quiet.settings.with_(redis_url="redis://127.0.0.1:1/0")
    quiet.publish_events = published.extend
    result = app.test_cli_runner().invoke(args=["relay-outbox"])
    assert result.exit_code == 0, result.output
    assert f"Relayed {waiting} event(s)" in result.output
    assert len(published) == waiting and _waiting(quiet) == 0


def test_relay_outbox_command_with_a_broker_but_no_publisher_refuses_and_moves_nothing(app, client, quiet):
    _drafts(client, 1)
    waiting = _waiting(quiet)
    quiet.settings = quiet.settings.with_(redis_url="redis://127.0.0.1:1/0")
    result = app.test_cli_runner().invoke(args=["relay-outbox"])
    assert result.exit_code != 0
    assert "no broker publisher" in result.output
    assert _waiting(quiet) == waiting


# ---- retrying failed messages ------------------------------------------------------------------

def _failed_message(client, runtime) -> int:
    """An e-mail that failed every attempt (written here: these tests' office has no mail server)."""
    with runtime.uow() as uow:
        row = Message(event_id="e-1", recipient="user:1", channel="email", address="head1@jieyue.local",
                      subject="s", body="b", link="l", language="en", status="failed",
                      attempts=notices.MAX_ATTEMPTS, last_error="RuntimeError: away")
        uow.session.add(row)
        uow.commit()
        return row.id


def _status(runtime, message_id) -> tuple[str, int]:
    with runtime.uow() as uow:
        m = uow.session.get(Message, message_id)
        return m.status, m.attempts


@pytest.mark.parametrize("role", ["staff", "dept_head", "logistics", "finance"])
def test_only_an_administrator_retries_and_a_refusal_changes_nothing(client, quiet, role):
    message_id = _failed_message(client, quiet)
    sent: list = []
    with pytest.raises(Forbidden):
        notices.retry_failed(Actor(5, "someone", role, 1), quiet.uow(), send=sent.append)
    assert _status(quiet, message_id) == ("failed", notices.MAX_ATTEMPTS) and sent == []


def test_a_retry_puts_the_named_messages_back_in_line_and_hands_them_to_send(client, quiet):
    message_id = _failed_message(client, quiet)
    sent: list = []
    assert notices.retry_failed(SYSTEM, quiet.uow(), [message_id], send=sent.append) == [message_id]
    assert sent == [[message_id]]
    assert _status(quiet, message_id) == ("pending", 0)
    assert notices.retry_failed(SYSTEM, quiet.uow(), send=sent.append) == []  # nothing failed now
    assert sent == [[message_id]]  # and nothing to send


def test_retry_failed_command_and_endpoint_go_through_the_same_service(app, client, quiet, monkeypatch):
    calls = []
    real = notices.retry_failed
    monkeypatch.setattr(notices, "retry_failed", lambda *a, **k: calls.append(a[0].role) or real(*a, **k))
    message_id = _failed_message(client, quiet)
    result = app.test_cli_runner().invoke(args=["retry-failed"])
    assert result.exit_code == 0, result.output
    assert "Requeued 1, sent" in result.output
    assert _status(quiet, message_id)[1] == 1  # tried once again at once
    status, body = client.post("admin", "/api/v1/failed-messages/retry", {"ids": [message_id]})
    assert status == 200, body
    assert calls == ["admin", "admin"]


# ---- one role check for pages ------------------------------------------------------------------

def _web_login(web, user: str) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/login").get_data(as_text=True)).group(1)
    web.post("/login", data={"username": user, "password": support.PASSWORD, "csrf_token": token})


@pytest.mark.parametrize("path, user, words", [
    ("/app/admin", "staff2", "This page is for administrators."),
    ("/app/admin/calendar", "finance", "This page is for administrators."),
    ("/app/purchasing", "staff2", "These pages are for the procurement officer."),
    ("/app/purchasing/orders", "fleet", "These pages are for the procurement officer."),
    ("/app/fleet", "buyer", "These pages are for the fleet manager."),
    ("/app/driver", "fleet", "This page is for drivers."),
])
def test_a_page_for_other_roles_answers_403_saying_who_it_is_for(app, path, user, words):
    web = app.test_client()
    _web_login(web, user)
    response = web.get(path)
    assert response.status_code == 403
    assert words in response.get_data(as_text=True)


@pytest.mark.parametrize("path, user", [("/app/admin", "admin"), ("/app/purchasing", "buyer"),
                                        ("/app/fleet", "fleet"), ("/app/driver", "driver1")])
def test_the_role_a_page_is_for_gets_it_and_a_stranger_is_sent_to_log_in(app, path, user):
    assert app.test_client().get(path).status_code == 302
    web = app.test_client()
    _web_login(web, user)
    assert web.get(path).status_code == 200
