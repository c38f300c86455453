"""Issue 14.4: a webhook cannot reach inside — refused when saved, checked again when sent (pinned to the
checked address, no redirects, short timeouts), and a slow receiver never slows the request that caused it."""
from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests import support
from tests.integration.services import WebhookSink, wait_until
from workflow import delivery, transports
from workflow.access import Actor
from workflow.delivery import send_messages
from workflow.notifications import DepartmentWebhook, Message, Preference, set_department_webhook, set_preferences
from workflow.people import Department, User
from workflow.safe_urls import UnsafeUrl, allowed_hosts, check_url
from workflow.settings import ConfigurationError
from workflow.transports import webhook_sender

# Each refused whatever DNS says: the host is an address (in some spelling), or the URL is not one
# Jieyue may call. localhost is a name the system resolves to 127.0.0.1 (and ::1).
HOSTILE = [
    "http://127.0.0.1/", "http://127.0.0.1:8080/hook", "https://127.255.255.254/x", "http://localhost/",
    "http://localhost:5000/api/v1/me", "http://LOCALHOST./", "http://2130706433/", "http://0x7f000001/",
    "http://0x7f.1/", "http://0x7f.0x0.0x0.0x1/", "http://0177.0.0.1/", "http://017700000001/", "http://127.1/",
    "http://0/", "http://0.0.0.0/", "http://[::]/", "http://[::1]/", "http://[0:0:0:0:0:0:0:1]:8080/",
    "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[::ffff:169.254.169.254]/", "http://[::127.0.0.1]/",
    "http://[2002:7f00:1::]/", "http://[64:ff9b::a9fe:a9fe]/", "http://169.254.169.254/latest/meta-data/",
    "http://169.254.0.1/", "http://[fe80::1]/", "http://[fe80::1%25eth0]/", "http://10.0.0.1/", "http://10.255.255.255/",
    "http://172.16.0.1/", "http://172.31.255.254/", "http://192.168.1.1/", "http://[fc00::1]/", "http://[fd12:3456::1]/",
    "http://100.64.0.1/", "http://100.127.255.254/", "http://224.0.0.1/", "http://239.255.255.250:1900/",
    "http://[ff02::1]/", "http://255.255.255.255/", "http://198.18.0.1/", "http://[fec0::1]/",
    "http://%31%32%37.0.0.1/", "http://127.0.0.1.nip.io/",
    # Not a URL to call at all, or one parsers read differently.
    "ftp://8.8.8.8/", "file:///etc/passwd", "gopher://8.8.8.8:70/", "javascript:alert(1)", "//8.8.8.8/x",
    "http://user:pw@8.8.8.8/", "http://8.8.8.8@127.0.0.1/", "http://8.8.8.8\\@127.0.0.1/", "http://8.8.8.8 /",
    "http://8.8.8.8/\r\nHost: 127.0.0.1", "http:///x", "http://8.8.8.8:99999/", "", "not a url",
]
# A name an attacker controls can answer with any address: a fake resolver stands for their DNS.
INSIDE_ANSWERS = [["127.0.0.1"], ["10.0.0.7"], ["169.254.169.254"], ["::1"], ["::ffff:10.0.0.1"], ["fd00::5"],
                  ["93.184.216.34", "192.168.0.10"], ["2606:4700::1", "fe80::2"], []]
PUBLIC = "93.184.216.34"


def resolver(*answers: list[str]):
    """A fake DNS: each call gives the next answer (the last one again once they run out)."""
    calls: list[str] = []

    def resolve(host, port):
        calls.append(host)
        return answers[min(len(calls), len(answers)) - 1]

    resolve.calls = calls
    return resolve


def message(url: str) -> SimpleNamespace:
    return SimpleNamespace(address=url, subject="SR-1 已批准", body="您的申请已批准。", link="http://office/x")


def _actor(uow, username: str) -> Actor:
    return uow.session.scalar(select(User).where(User.username == username)).as_actor()


@pytest.fixture
def sink():
    receiver = WebhookSink().start()
    yield receiver
    receiver.stop()


# ---- the rule itself (workflow/safe_urls.py) ----------------------------------------------------

@pytest.mark.parametrize("url", HOSTILE)
def test_a_url_leading_inside_or_not_callable_is_refused(url):
    with pytest.raises(UnsafeUrl):
        check_url(url)


@pytest.mark.parametrize("answer", INSIDE_ANSWERS, ids=lambda a: ",".join(a) or "no-answer")
def test_a_name_refused_when_any_of_its_addresses_is_inside(answer):
    with pytest.raises(UnsafeUrl):
        check_url("https://robot.example.com/send", resolve=resolver(answer))


def test_a_name_that_does_not_resolve_is_refused():
    def fails(host, port):
        raise OSError("Name or service not known")

    with pytest.raises(UnsafeUrl, match="does not resolve"):
        check_url("https://robot.example.com/send", resolve=fails)


@pytest.mark.parametrize("url, answer, expected", [
    ("http://93.184.216.34/hook", None, ("http", "93.184.216.34", 80, "/hook", ("93.184.216.34",))),
    ("https://8.8.8.8:8443/robot/send?access_token=abc", None,
     ("https", "8.8.8.8", 8443, "/robot/send?access_token=abc", ("8.8.8.8",))),
    ("http://[2606:4700:4700::1111]/x", None, ("http", "2606:4700:4700::1111", 80, "/x", ("2606:4700:4700::1111",))),
    ("HTTPS://Robot.Example.COM.", [PUBLIC, "2606:4700::6810:84e5"],
     ("https", "robot.example.com", 443, "/", (PUBLIC, "2606:4700::6810:84e5"))),
])
def test_a_url_to_public_addresses_is_accepted_with_the_addresses_to_dial(url, answer, expected):
    target = check_url(url, resolve=resolver(answer) if answer else None)
    assert (target.scheme, target.host, target.port, target.path, target.addresses) == expected
    assert not target.allowed


def test_an_allow_listed_host_passes_by_name_and_nothing_else_does():
    allowed = allowed_hosts(" Robot.Office.Local. , [FD00::1], 127.0.0.1")
    assert allowed == {"robot.office.local", "fd00::1", "127.0.0.1"}
    never = resolver()  # an allowed host is not looked up at all
    for url in ("http://robot.office.local/x", "http://ROBOT.office.local.:8080/x", "http://[fd00::1]/x",
                "http://127.0.0.1:9/hook"):
        assert check_url(url, allowed, never).allowed, url
    assert never.calls == []
    for url in ("http://localhost/", "http://127.0.0.2/", "http://2130706433/", "http://[::ffff:127.0.0.1]/",
                "http://other.office.local/", "ftp://robot.office.local/", "http://u:p@robot.office.local/"):
        with pytest.raises(UnsafeUrl):
            check_url(url, allowed, resolver(["10.0.0.9"]))


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


def test_the_services_check_with_the_resolver_they_are_given(runtime):
    with runtime.uow() as uow:
        staff, boss = _actor(uow, "staff1"), _actor(uow, "admin")
        gen = uow.session.scalar(select(Department.id).where(Department.code == "GEN"))
    url = "https://robot.example.com/send"
    saved = set_preferences(staff, {"webhook": True, "webhook_url": url}, runtime.uow(), resolve=resolver([PUBLIC]))
    assert saved["webhook_url"] == url
    with pytest.raises(Exception) as refused:
        set_preferences(staff, {"webhook_url": url + "2"}, runtime.uow(), resolve=resolver(["10.9.9.9"]))
    assert getattr(refused.value, "code", None) == "unsafe_webhook_url"
    with pytest.raises(Exception) as refused:
        set_department_webhook(gen, url, boss, runtime.uow(), resolve=resolver([PUBLIC, "127.0.0.1"]))
    assert getattr(refused.value, "code", None) == "unsafe_webhook_url"
    with runtime.uow() as uow:
        assert uow.session.get(Preference, staff.id).webhook_url == url
        assert uow.session.get(DepartmentWebhook, gen) is None


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
    delivery.drain(runtime.uow, "http://x", {"webhook": None}, send_later=lambda ids: None)  # plan only
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
