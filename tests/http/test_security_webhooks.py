"""Issue 14.4: a webhook cannot reach inside — refused when saved, checked again when sent (pinned to the
checked address, no redirects, short timeouts), and a slow receiver never slows the request that caused it.

The rule itself: tests/unit/test_safe_urls.py; the services' own check: tests/services/.
"""
from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests import support
from tests.integration.servers import WebhookSink, wait_until
from tests.unit.test_safe_urls import HOSTILE, PUBLIC, resolver
from workflow.kernel.access import Actor
from workflow.kernel.settings import ConfigurationError
from workflow.notifications import sending, transports
from workflow.notifications.notices import DepartmentWebhook, Message, set_preferences
from workflow.notifications.safe_urls import UnsafeUrl, allowed_hosts
from workflow.notifications.sending import send_messages
from workflow.notifications.transports import webhook_sender
from workflow.people.accounts import User


def message(url: str) -> SimpleNamespace:
    return SimpleNamespace(address=url, subject="SR-1 已批准", body="您的申请已批准。", link="http://office/x")


def _actor(uow, username: str) -> Actor:
    return uow.session.scalar(select(User).where(User.username == username)).as_actor()


@pytest.fixture
def sink():
    receiver = WebhookSink().start()
    yield receiver
    receiver.stop()


# ---- a malformed allow list -----------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["0x7f.1", "2130706433", "exa mple.com", "[::ffff:zz]"])
def test_a_malformed_allow_list_stops_the_start(bad, sqlite_template, tmp_path):
    with pytest.raises(ConfigurationError, match="WEBHOOK_ALLOWED_HOSTS"):
        allowed_hosts(f"robot.office.local,{bad}")
    with pytest.raises(ConfigurationError, match="WEBHOOK_ALLOWED_HOSTS"):
        support.make_app(support.sqlite_copy(sqlite_template, tmp_path), WEBHOOK_ALLOWED_HOSTS=bad)


# ---- at save time, over the API -----------------------------------------------------------------

def test_saving_an_unsafe_personal_webhook_is_422_and_saves_nothing(client):
    wrong = {}
    for url in HOSTILE:  # one app for the whole table: each refusal leaves nothing behind for the next
        status, body = client.call("staff1", "PUT", "/api/v1/me/notification-preferences",
                                   {"webhook": True, "webhook_url": url})
        if status != 422 or body["code"] != "unsafe_webhook_url" or list(body["errors"]) != ["webhook_url"]:
            wrong[url] = (status, body)
    assert not wrong, wrong
    assert client.get("staff1", "/api/v1/me/notification-preferences") == (
        200, {"email": True, "webhook": False, "webhook_url": None})


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://localhost/", "http://[::ffff:127.0.0.1]/",
                                 "http://0x7f.1/", "http://169.254.169.254/", "http://10.1.2.3/robot"])
def test_saving_an_unsafe_department_webhook_is_422_and_keeps_the_old_one(client, runtime, url):
    status, deps = client.get("admin", "/api/v1/departments")
    gen = next(d["id"] for d in deps if d["code"] == "GEN")
    good = f"http://{PUBLIC}/robot"
    assert client.call("admin", "PUT", f"/api/v1/departments/{gen}/webhook", {"url": good}) == (
        200, {"department_id": gen, "url": good})
    status, body = client.call("admin", "PUT", f"/api/v1/departments/{gen}/webhook", {"url": url})
    assert status == 422 and body["code"] == "unsafe_webhook_url" and list(body["errors"]) == ["url"], body
    with runtime.uow() as uow:
        assert uow.session.get(DepartmentWebhook, gen).url == good


def test_a_public_webhook_is_saved_and_one_changed_to_an_inside_address_is_not(client):
    url = f"https://{PUBLIC}:8443/robot/send?access_token=abc"
    ok = client.call("staff1", "PUT", "/api/v1/me/notification-preferences", {"webhook": True, "webhook_url": url})
    assert ok == (200, {"email": True, "webhook": True, "webhook_url": url})
    status, body = client.call("staff1", "PUT", "/api/v1/me/notification-preferences",
                               {"webhook_url": "http://192.168.0.1/robot"})
    assert status == 422 and body["code"] == "unsafe_webhook_url"
    assert client.get("staff1", "/api/v1/me/notification-preferences")[1]["webhook_url"] == url


def test_an_administrator_allow_list_lets_an_inside_robot_be_saved(sqlite_template, tmp_path):
    app = support.make_app(support.sqlite_copy(sqlite_template, tmp_path), WEBHOOK_ALLOWED_HOSTS="10.1.2.3,robot.lan")
    try:
        client = support.inprocess_client(app)
        for url in ("http://10.1.2.3:8080/robot", "https://ROBOT.lan/send"):
            status, body = client.call("staff1", "PUT", "/api/v1/me/notification-preferences",
                                       {"webhook": True, "webhook_url": url})
            assert status == 200 and body["webhook_url"] == url, body
        status, body = client.call("staff1", "PUT", "/api/v1/me/notification-preferences",
                                   {"webhook_url": "http://10.1.2.4/robot"})
        assert status == 422 and body["code"] == "unsafe_webhook_url"
    finally:
        app.extensions["jieyue"].engine.dispose()


# ---- at send time ---------------------------------------------------------------------------------

def test_send_checks_again_and_refuses_a_name_that_now_points_inside(sink):
    url = f"http://robot.example.com:{sink.server.server_port}/hook"
    dns = resolver(["127.0.0.1"])  # the receiver's own address: reached if the check were skipped
    with pytest.raises(UnsafeUrl):
        webhook_sender(resolve=dns)(message(url))
    assert dns.calls == ["robot.example.com"] and sink.snapshot() == []


def test_send_dials_the_address_it_checked_and_never_looks_the_name_up_twice(sink, monkeypatch):
    dialled = []
    real_dial = transports._dial

    def dial(address, port):
        dialled.append((address, port))
        return real_dial("127.0.0.1", sink.server.server_port)  # stands in for the public machine

    monkeypatch.setattr(transports, "_dial", dial)
    dns = resolver([PUBLIC], ["127.0.0.1"])  # a rebinding DNS: public first, inside the second time
    webhook_sender(resolve=dns)(message("http://robot.example.com:8080/robot/send?key=1"))
    assert dns.calls == ["robot.example.com"]
    assert dialled == [(PUBLIC, 8080)]
    assert sink.hosts == ["robot.example.com:8080"] and sink.paths == ["/robot/send?key=1"]
    assert sink.snapshot()[0]["markdown"]["title"] == "SR-1 已批准"


def test_a_stored_url_now_inside_is_not_sent_and_the_failure_is_recorded(client, runtime, sink):
    with runtime.uow() as uow:
        actor = _actor(uow, "staff1")
    url = f"http://robot.example.com:{sink.server.server_port}/hook"
    set_preferences(actor, {"webhook": True, "webhook_url": url}, runtime.uow(), resolve=resolver([PUBLIC]))
    runtime.on_outbox = None  # this test sends, with its own DNS
    status, req = client.post("staff1", "/api/v1/supply-requests", {
        "purpose": "Pens", "lines": [{"item_id": client.item_id("STA-PEN-G"), "quantity": "5"}]})
    client.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": req["version"]})
    status, done = client.post("head1", f"/api/v1/supply-requests/{req['id']}/actions/return",
                               {"version": 2, "comment": "Say why"})
    assert status == 200, done
    sending.drain(runtime.uow, "http://x", {"webhook": None}, send_later=lambda ids: None)  # plan only
    with runtime.uow() as uow:
        ids = list(uow.session.scalars(select(Message.id).where(Message.address == url)))
    assert ids
    sent = send_messages(ids, runtime.uow(), {"webhook": webhook_sender(resolve=resolver(["127.0.0.1"]))})
    with runtime.uow() as uow:
        rows = uow.session.scalars(select(Message).where(Message.id.in_(ids))).all()
        assert [(r.status, r.attempts) for r in rows] == [("pending", 1)] * len(ids)
        assert all(r.last_error.startswith("UnsafeUrl") for r in rows)
    assert [exc.__class__.__name__ for _, exc in sent.errors] == ["UnsafeUrl"] * len(ids)
    assert sink.snapshot() == []


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_followed_and_counts_as_a_failure(status):
    target = WebhookSink().start()
    redirecting = WebhookSink(status=status, headers={"Location": target.url}).start()
    try:
        with pytest.raises(RuntimeError, match=f"answered {status}"):
            webhook_sender(allowed_hosts("127.0.0.1"))(message(redirecting.url))
        assert len(redirecting.snapshot()) == 1 and target.snapshot() == []
    finally:
        redirecting.stop()
        target.stop()


def test_a_receiver_that_does_not_answer_is_given_up_after_the_read_timeout(monkeypatch):
    assert 1 <= transports.WEBHOOK_CONNECT_SECONDS <= 5 and 1 <= transports.WEBHOOK_READ_SECONDS <= 10
    monkeypatch.setattr(transports, "WEBHOOK_READ_SECONDS", 0.5)
    slow = WebhookSink(delay=3).start()
    try:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            webhook_sender(allowed_hosts("127.0.0.1"))(message(slow.url))
        assert time.monotonic() - started < 2
    finally:
        slow.stop()


# ---- off the request thread (the embedded default) -------------------------------------------------

@pytest.fixture
def slow_stack(sqlite_template, tmp_path):
    slow = WebhookSink(delay=3).start()
    app = support.make_app(support.sqlite_copy(sqlite_template, tmp_path), WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
    runtime = app.extensions["jieyue"]
    assert runtime.on_outbox is not None and runtime._courier is None  # no thread until there is mail
    yield SimpleNamespace(client=support.inprocess_client(app), runtime=runtime, sink=slow)
    runtime.wait_for_deliveries()
    runtime.engine.dispose()
    slow.stop()


def _webhook_rows(runtime, url):
    with runtime.uow() as uow:
        return [(m.status, m.attempts) for m in uow.session.scalars(select(Message).where(Message.address == url))]


def test_a_slow_personal_webhook_never_slows_the_approval(slow_stack):
    client, runtime, sink = slow_stack.client, slow_stack.runtime, slow_stack.sink
    assert client.call("staff1", "PUT", "/api/v1/me/notification-preferences",
                       {"webhook": True, "webhook_url": sink.url})[0] == 200
    status, req = client.post("staff1", "/api/v1/supply-requests", {
        "purpose": "Pens", "lines": [{"item_id": client.item_id("STA-PEN-G"), "quantity": "5"}]})
    status, req = client.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 1})
    client.token("head1")  # logging in (a password hash) is not part of what is timed
    started = time.monotonic()
    status, approved = client.post("head1", f"/api/v1/supply-requests/{req['id']}/actions/approve",
                                   {"version": req["version"]})
    answered = time.monotonic() - started
    assert status == 200, approved
    assert answered < 1.5, f"the approval took {answered:.2f} s behind a 3 s receiver"
    wait_until(lambda: any(req["number"] in b["markdown"]["title"] for b in sink.snapshot()), 10, what="the webhook")
    runtime.wait_for_deliveries()
    assert ("sent", 1) in _webhook_rows(runtime, sink.url)


def test_a_slow_department_webhook_never_slows_the_submission(slow_stack):
    client, runtime, sink = slow_stack.client, slow_stack.runtime, slow_stack.sink
    gen = next(d["id"] for d in client.get("admin", "/api/v1/departments")[1] if d["code"] == "GEN")
    assert client.call("admin", "PUT", f"/api/v1/departments/{gen}/webhook", {"url": sink.url})[0] == 200
    times = []
    for _ in range(2):  # the second while the first delivery still waits on the receiver
        status, req = client.post("staff1", "/api/v1/supply-requests", {
            "purpose": "Pens", "lines": [{"item_id": client.item_id("STA-PEN-G"), "quantity": "5"}]})
        started = time.monotonic()
        status, body = client.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 1})
        times.append(time.monotonic() - started)
        assert status == 200, body
    assert max(times) < 1.5, times
    wait_until(lambda: len(sink.snapshot()) >= 2, 15, what="both department messages")
    runtime.wait_for_deliveries()
    assert _webhook_rows(runtime, sink.url) == [("sent", 1), ("sent", 1)]
