"""Web security: CSRF on every form, session rotation and logout, cookie flags, security headers."""
from __future__ import annotations

import re

from api import create_app
from tests import support

WEB_BLUEPRINTS = ("web_auth", "web_pages", "web_approvals", "web_purchasing", "web_fleet", "web_finance", "web_admin")


def _token(client, path="/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def _login(client, user="staff1"):
    client.post("/login", data={"username": user, "password": support.PASSWORD, "csrf_token": _token(client)})
    return client.get_cookie("jy_session").value


def _post_routes(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint.split(".")[0] in WEB_BLUEPRINTS:
            values = {name: 1 for name in rule.arguments}
            if "action" in rule.arguments:
                values["action"] = "approve"
            yield rule.rule, rule.build(values)[1]


def test_every_state_changing_form_refuses_a_post_without_its_csrf_token(csrf_app, record):
    client = csrf_app.test_client()
    _login(client, "admin")
    routes = list(_post_routes(csrf_app))
    refused = {rule: client.post(path, data={"x": "1"}).status_code for rule, path in routes}
    record("3", "CSRF", f"{len(routes)} POST routes of the web pages, refused without a token: "
           f"{sum(1 for s in refused.values() if s == 400)}")
    assert len(routes) >= 20
    assert set(refused.values()) == {400}, refused


def test_the_session_rotates_at_login_and_logout_ends_it(csrf_app):
    first_client, second_client = csrf_app.test_client(), csrf_app.test_client()
    first, second = _login(first_client), _login(second_client)
    assert first != second
    assert first_client.get("/app/requests").status_code == 200
    first_client.post("/logout", data={"csrf_token": _token(first_client, "/app/requests")})
    # The old cookie, replayed, is worth nothing any more.
    replay = csrf_app.test_client()
    replay.set_cookie("jy_session", first)
    assert replay.get("/app/requests").status_code == 302
    assert second_client.get("/app/requests").status_code == 200


def test_the_login_cookie_is_httponly_samesite_and_secure_in_production(sqlite_template, tmp_path):
    app = create_app({"DATABASE_URL": support.sqlite_copy(sqlite_template, tmp_path), "SKIP_DOTENV": True,
                      "COOKIE_SECURE": True, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    response = client.post("/login", data={"username": "staff1", "password": support.PASSWORD})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("jy_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    app.extensions["jieyue"].engine.dispose()


def test_every_answer_carries_the_security_headers(client, app):
    for path in ("/", "/login", "/api/v1/openapi.json"):
        headers = app.test_client().get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
