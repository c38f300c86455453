"""Issue 14.4 on PostgreSQL over real HTTP: unsafe webhook URLs are refused and nothing is saved; with
the embedded default a 3 s receiver does not hold up the approval that notifies it."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from tests import support
from tests.integration import servers
from workflow.notifications.notices import DepartmentWebhook, Message

UNSAFE = ["http://127.0.0.1:9/hook", "http://localhost/", "http://2130706433/", "http://0x7f.1/",
          "http://[::ffff:127.0.0.1]/", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/",
          "http://[fd00::1]/", "http://100.64.0.1/", "gopher://8.8.8.8/"]


@pytest.fixture
def stack(request, pg_url):
    """The app on a live server without a broker; the receivers below listen on 127.0.0.1, so allowed."""
    sink = servers.WebhookSink(delay=3).start()
    request.addfinalizer(sink.stop)
    app = support.make_app(pg_url, WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
    runtime = app.extensions["jieyue"]
    request.addfinalizer(runtime.engine.dispose)
    request.addfinalizer(runtime.wait_for_deliveries)
    server = support.LiveServer(app)
    request.addfinalizer(server.stop)
    assert runtime.settings.redis_url is None and runtime.on_outbox is not None
    return app, runtime, server.client(), sink


def test_unsafe_webhooks_are_refused_over_http_and_nothing_is_saved(pg_url):
    app = support.make_app(pg_url)  # no allow-list: 127.0.0.1 is as inside as any other
    server = support.LiveServer(app)
    try:
        http = server.client()
        gen = next(d["id"] for d in http.get("admin", "/api/v1/departments")[1] if d["code"] == "GEN")
        for url in UNSAFE:
            status, body = http.call("staff1", "PUT", "/api/v1/me/notification-preferences",
                                     json={"webhook": True, "webhook_url": url})
            assert status == 422 and body["code"] == "unsafe_webhook_url" and "webhook_url" in body["errors"], (url, body)
            status, body = http.call("admin", "PUT", f"/api/v1/departments/{gen}/webhook", json={"url": url})
            assert status == 422 and body["code"] == "unsafe_webhook_url" and "url" in body["errors"], (url, body)
        assert http.get("staff1", "/api/v1/me/notification-preferences") == (
            200, {"email": True, "webhook": False, "webhook_url": None})
        with app.extensions["jieyue"].uow() as uow:
            assert uow.session.scalars(select(DepartmentWebhook)).all() == []
    finally:
        server.stop()
        app.extensions["jieyue"].engine.dispose()


def test_a_receiver_that_sleeps_3_s_does_not_slow_the_approval_over_http(stack):
    app, runtime, http, sink = stack
    status, prefs = http.call("staff1", "PUT", "/api/v1/me/notification-preferences",
                              json={"webhook": True, "webhook_url": sink.url})
    assert status == 200, prefs
    http.token("head1")  # logging in (a password hash) is not part of what is timed
    seconds = []
    for _ in range(2):  # the second approval while the first delivery still waits on the receiver
        status, req = http.post("staff1", "/api/v1/supply-requests", {
            "purpose": "Pens", "lines": [{"item_id": http.item_id("STA-PEN-G"), "quantity": "5"}]})
        status, req = http.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit",
                                {"version": req["version"]})
        assert status == 200, req
        started = time.monotonic()
        status, approved = http.post("head1", f"/api/v1/supply-requests/{req['id']}/actions/approve",
                                     {"version": req["version"]})
        seconds.append(time.monotonic() - started)
        assert status == 200, approved
    print(f"\n[slow webhook] approvals answered in {', '.join(f'{s:.3f}' for s in seconds)} s behind a 3 s receiver")
    assert max(seconds) < 1.5, seconds
    servers.wait_until(lambda: len(sink.snapshot()) >= 2, 20, what="both webhooks")
    runtime.wait_for_deliveries()
    with runtime.uow() as uow:
        rows = uow.session.scalars(select(Message).where(Message.address == sink.url)).all()
        assert sorted((m.status, m.attempts) for m in rows) == [("sent", 1), ("sent", 1)]
