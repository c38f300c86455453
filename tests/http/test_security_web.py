"""Issue 14, points 3, 5 and 10: no open redirect, no public signing key, cookies, caching and same-origin forms.

The key file on its own (made once, owner-only, never the printed value): tests/unit/test_signing_key.py.
"""
from __future__ import annotations

import re
import stat

import pytest
from flask import Flask, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from api import create_app
from api.security import safe_next
from tests import support
from workflow.approvals import action_links
from workflow.kernel.db import utcnow
from workflow.kernel.settings import DEFAULT_SECRET
from workflow.kernel.signing_key import FILE_NAME
from workflow.people.accounts import User

HOME = "/app"
# Each is read by a browser (or a later hop that decodes it) as another site, a script, or a header split.
HOSTILE = [
    "//evil.example", "///evil.example", "////evil.example/x", "https://evil.example", "http:evil.example",
    "http:/evil.example", "HTTPS://evil.example", "javascript:alert(1)", " javascript:alert(1)",
    "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>", "/\\evil.example", "\\\\evil.example",
    "\\/evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example",
    " //evil.example", "\x00//evil.example", "\x1f/\\evil.example", "/%2F%2Fevil.example", "/%2f/evil.example",
    "/%5Cevil.example", "/%5c%5cevil.example", "/%252F%252Fevil.example", "%2F%2Fevil.example",
    "/%0d%0aSet-Cookie:%20jy_session=x", "/%0aLocation:%20https://evil.example", "/%09/evil.example",
    "/%00/evil.example", "/%ff%fe", "@evil.example", "evil.example", "user@evil.example",
    "https://app.example@evil.example", "//app.example@evil.example", "/%2F%2Fapp.example%40evil.example",
    "", "   ", "\r\n",
]
# Paths of this site stay as they are (tabs and newlines dropped, as the browser would).
SAME_SITE = [
    ("/app/requests", "/app/requests"),
    ("/app/requests?status=dept_review&page=2", "/app/requests?status=dept_review&page=2"),
    ("/app/requests/5#lines", "/app/requests/5#lines"), ("/@team", "/@team"), ("/app/%E8%AF%B7", "/app/%E8%AF%B7"),
    ("/app/re\tqu\r\nests", "/app/requests"), ("  /app/queue  ", "/app/queue"), ("/a%2Fb", "/a%2Fb"),
]


def _token(client, path="/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def _login(client, user="staff1", **kw):
    return client.post("/login", data={"username": user, "password": support.PASSWORD, "csrf_token": _token(client)},
                       **kw)


@pytest.fixture
def make(sqlite_template, tmp_path):
    """create_app on a fresh copy of the seeded database, its instance folder in tmp_path unless told."""
    apps = []

    def build(**config):
        config = {"DATABASE_URL": support.sqlite_copy(sqlite_template, tmp_path), "SKIP_DOTENV": True, "TESTING": True,
                  "INSTANCE_PATH": str(tmp_path / "instance"), **config}
        apps.append(create_app(config))
        return apps[-1]

    yield build
    for app in apps:
        app.extensions["jieyue"].engine.dispose()


# --- 3. No open redirect -------------------------------------------------------------------------

def test_the_table_of_hostile_targets_is_long_enough():
    assert len(HOSTILE) >= 15


@pytest.mark.parametrize("target", HOSTILE)
def test_a_hostile_return_target_goes_home(app, target):
    with app.test_request_context():
        assert safe_next(target) == HOME


@pytest.mark.parametrize("target,expected", SAME_SITE)
def test_a_path_of_this_site_is_kept_as_the_browser_reads_it(app, target, expected):
    with app.test_request_context():
        assert safe_next(target) == expected


def test_no_hostile_target_leaves_the_site_after_login_or_reaches_a_header(make):
    app = make()
    for target in HOSTILE + [t for t, _ in SAME_SITE]:
        client = app.test_client()
        response = _login(client, query_string={"next": target})
        location = response.headers["Location"]
        assert response.status_code == 302, target
        assert "\r" not in location and "\n" not in location and "evil" not in location, (target, location)
        # No cookie slipped in through the target: only the session's own two.
        assert sorted(h.split("=", 1)[0] for h in response.headers.getlist("Set-Cookie")) == ["jy_session", "session"]
        assert location == (HOME if target in HOSTILE else dict(SAME_SITE)[target]), target


def test_the_language_switch_sends_a_hostile_target_home_and_keeps_a_page_of_this_site(make):
    app = make()
    client = app.test_client()
    _login(client)
    token = _token(client, "/app/requests")
    for target in HOSTILE:
        response = client.post("/language", data={"language": "en", "next": target, "csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"] == HOME, target
    kept = client.post("/language", data={"language": "en", "next": "/app/requests?page=2", "csrf_token": token})
    assert kept.headers["Location"] == "/app/requests?page=2"


def test_a_page_asked_for_before_login_is_where_login_lands(make):
    client = make().test_client()
    asked = client.get("/app/requests?page=1")
    assert asked.status_code == 302 and "/login?next=" in asked.headers["Location"]
    response = client.post(asked.headers["Location"], data={"username": "staff1", "password": support.PASSWORD,
                                                             "csrf_token": _token(client)})
    assert response.headers["Location"] == "/app/requests?page=1"


# --- 5. No public signing key --------------------------------------------------------------------

def test_without_a_key_one_is_made_owner_only_and_kept_across_restarts(make, tmp_path):
    first = make()
    key_file = tmp_path / "instance" / FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) & 0o077 == 0
    key = first.config["SECRET_KEY"]
    assert key == key_file.read_text() and len(key) >= 64 and key != DEFAULT_SECRET
    assert first.instance_path == str(tmp_path / "instance")
    assert first.extensions["jieyue"].settings.secret_key == key  # links and sessions: one key
    assert make().config["SECRET_KEY"] == key  # the next start reads it back


def _submitted(client):
    status, req = client.post("staff1", "/api/v1/supply-requests", {
        "purpose": "Pens", "lines": [{"item_id": client.item_id("STA-PEN-G"), "quantity": "10"}]})
    status, req = client.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 1})
    return req


@pytest.mark.parametrize("other_key", [DEFAULT_SECRET, "another-office-key-" + "x" * 40, ""])
def test_an_email_link_signed_with_another_key_is_refused(make, other_key):
    app = make()
    runtime, client = app.extensions["jieyue"], support.inprocess_client(app)
    req = _submitted(client)
    with runtime.uow() as uow:
        uid = uow.session.scalar(select(User.id).where(User.username == "head1"))

    def link(key):
        return "/act/" + action_links.make(key, kind="supply_request", item_id=req["id"], version=req["version"],
                                           user_id=uid, action="approve", now=utcnow())

    web = app.test_client()
    assert web.get(link(other_key)).status_code == 403
    assert web.post(link(other_key), data={"comment": "forged"}).status_code == 403
    assert web.get(link(app.config["SECRET_KEY"])).status_code == 200  # the app's own key works


def _forged_session(key: str) -> tuple[str, str]:
    """A session cookie and its CSRF token, made by someone holding `key`."""
    forger = Flask("forger")
    forger.config.update(SECRET_KEY=key)
    with forger.test_request_context():
        token = generate_csrf()
        cookie = forger.session_interface.get_signing_serializer(forger).dumps(dict(session))
    return cookie, token


def test_a_session_signed_with_another_key_is_refused(make):
    app = make()
    for key, accepted in ((DEFAULT_SECRET, False), ("k" * 48, False), (app.config["SECRET_KEY"], True)):
        client = app.test_client()
        cookie, token = _forged_session(key)
        client.set_cookie("session", cookie)
        response = client.post("/login", data={"username": "staff1", "password": support.PASSWORD,
                                               "csrf_token": token})
        assert (response.status_code == 302) is accepted, (key, response.status_code)
        assert (client.get_cookie("jy_session") is not None) is accepted


# --- 10. Cookies and caching ---------------------------------------------------------------------

def _set_cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


@pytest.mark.parametrize("secure", [False, True])
def test_every_cookie_of_login_language_and_logout_is_samesite_and_httponly(make, secure):
    app = make(COOKIE_SECURE=secure)
    client = app.test_client()
    # Behind HTTPS (as COOKIE_SECURE says), where Flask-WTF also wants a Referer of this site.
    kw = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/app"}} if secure else {}

    def token(path):
        page = client.get(path, **kw).get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    seen = _set_cookies(client.get("/login", **kw))
    seen += _set_cookies(client.post("/login", data={"username": "staff1", "password": support.PASSWORD,
                                                     "csrf_token": token("/login")}, **kw))
    csrf = token("/app/requests")
    seen += _set_cookies(client.post("/language", data={"language": "zh", "next": "/app", "csrf_token": csrf}, **kw))
    logout = client.post("/logout", data={"csrf_token": csrf}, **kw)
    assert logout.status_code == 302
    seen += _set_cookies(logout)
    names = {cookie.split("=", 1)[0] for cookie in seen}
    assert {"jy_session", "session"} <= names, seen
    assert any(c.startswith("jy_session=;") for c in _set_cookies(logout)), _set_cookies(logout)
    for cookie in seen:
        assert re.search(r"SameSite=(Lax|Strict)", cookie) and "HttpOnly" in cookie, cookie
        assert ("Secure" in cookie) is secure, cookie


def test_authenticated_answers_are_not_stored(make):
    app = make()
    web = app.test_client()
    login = _login(web)
    assert login.headers["Cache-Control"] == "no-store"  # it sets the session cookie
    for path in ("/app/requests", "/app"):
        assert web.get(path).headers["Cache-Control"] == "no-store", path
    api = app.test_client()
    issued = api.post("/api/v1/auth/tokens", json={"username": "staff1", "password": support.PASSWORD})
    assert issued.status_code == 201 and issued.headers["Cache-Control"] == "no-store"
    bearer = {"Authorization": f"Bearer {issued.get_json()['token']}"}
    for path in ("/api/v1/supply-requests", "/api/v1/catalog/items", "/api/v1/notifications", "/api/v1/me/notification-preferences"):
        answer = api.get(path, headers=bearer)
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store", path


def test_public_static_files_may_be_cached(make):
    client = make().test_client()
    _login(client)  # the browser sends the cookie with them too; they stay cacheable
    for path in ("/static/app.css", "/static/app.js", "/favicon.ico"):
        response = client.get(path)
        assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", ""), path


@pytest.mark.parametrize("secure", [True, False])
def test_hsts_is_sent_exactly_when_cookies_are_secure(make, secure):
    client = make(COOKIE_SECURE=secure).test_client()
    for path in ("/login", "/api/v1/openapi.json", "/static/app.css"):
        hsts = client.get(path).headers.get("Strict-Transport-Security")
        assert (hsts is not None and "max-age=31536000" in hsts) if secure else hsts is None, path


def _language(app, user="staff1"):
    with app.extensions["jieyue"].uow() as uow:
        return uow.session.scalar(select(User.language).where(User.username == user))


FOREIGN = [{"Origin": "https://evil.example"}, {"Origin": "http://localhost.evil.example"},
           {"Origin": "http://localhost:8080"}, {"Origin": "https://localhost"}, {"Origin": "null"}]


@pytest.mark.parametrize("headers", FOREIGN)
def test_a_form_posted_from_another_origin_is_refused_with_its_valid_token(make, headers):
    app = make()
    client = app.test_client()
    _login(client)
    before = _language(app)
    token = _token(client, "/app/requests")
    choice = "zh" if before != "zh" else "en"
    response = client.post("/language", data={"language": choice, "next": "/app", "csrf_token": token},
                           headers=headers)
    assert response.status_code == 403 and "another site" in response.get_data(as_text=True)
    assert _language(app) == before
    # Login itself (login CSRF) and logout are forms too.
    assert client.post("/logout", data={"csrf_token": token}, headers=headers).status_code == 403
    assert client.get("/app/requests").status_code == 200  # still logged in
    fresh = app.test_client()
    assert _login(fresh, headers=headers).status_code == 403 and fresh.get_cookie("jy_session") is None


@pytest.mark.parametrize("headers", [{"Origin": "http://localhost"}, {"Referer": "http://localhost/app"}, {}])
def test_a_form_from_this_origin_is_accepted(make, headers):
    app = make()
    client = app.test_client()
    _login(client, headers=headers)
    token = _token(client, "/app/requests")
    response = client.post("/language", data={"language": "zh", "next": "/app", "csrf_token": token},
                           headers=headers)
    assert response.status_code == 302 and _language(app) == "zh"


@pytest.mark.parametrize("referer,status", [("https://evil.example/page", 403), ("https://localhost/app", 302)])
def test_on_https_without_an_origin_the_referer_decides(make, referer, status):
    app = make()
    client = app.test_client()
    https = {"base_url": "https://localhost"}
    page = client.get("/login", **https)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": "staff1", "password": support.PASSWORD, "csrf_token": token},
                           headers={"Referer": referer}, **https)
    assert response.status_code == status


def test_the_json_api_is_not_judged_by_origin(make):
    # Bearer tokens are never sent by a browser on its own: a foreign page cannot use them.
    api = make().test_client()
    issued = api.post("/api/v1/auth/tokens", json={"username": "staff1", "password": support.PASSWORD},
                      headers={"Origin": "https://tool.example"})
    assert issued.status_code == 201
