"""Rate limits keyed on the person, not on the header (issue 14, point 6), counted in Redis.

Action limits count per resolved user however the token is spelled and whatever else is sent;
logins count per username and per address, separately; two app instances sharing one Redis share
the counts; a bulk approval costs one per item and has a maximum size. Each test uses its own key
prefix on the shared Redis at 127.0.0.1:6379, so tests never see each other's counts.
"""
from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select

from api import ratelimits
from tests import support
from workflow.models import metadata

REDIS = "redis://127.0.0.1:6379/0"
REQUESTS = "/api/v1/supply-requests"


def table_counts(app) -> dict[str, int]:
    with app.extensions["jieyue"].engine.connect() as conn:
        return {t.name: conn.scalar(select(func.count()).select_from(t)) for t in metadata.sorted_tables}


@pytest.fixture
def make(pg_url):
    """make(**config) -> a Flask app on this test's database with limits on, all sharing one Redis prefix."""
    prefix = f"jieyue-test-{uuid.uuid4().hex}"
    apps = []

    def build(**config):
        app = support.make_app(pg_url, REDIS_URL=REDIS, RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=prefix,
                               **config)
        assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["jieyue"].engine.dispose()


def token(app, user: str, address: str = "10.0.0.250") -> str:
    resp = app.test_client().post("/api/v1/auth/tokens", json={"username": user, "password": support.PASSWORD},
                                  environ_base={"REMOTE_ADDR": address})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["token"]


def act(app, authorization: str | None, address: str = "10.0.0.1") -> int:
    """One cheap action (an empty supply request: 422, or 401 without a person) and its status."""
    headers = {"Authorization": authorization} if authorization is not None else {}
    return app.test_client().post(REQUESTS, json={}, headers=headers, environ_base={"REMOTE_ADDR": address}).status_code


def login(app, username: str, address: str, password: str = "wrong-guess", web: bool = False) -> int:
    client = app.test_client()
    if web:
        page = client.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf},
                           environ_base={"REMOTE_ADDR": address}).status_code
    return client.post("/api/v1/auth/tokens", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}).status_code


# ---- actions: per person ------------------------------------------------------------------------------

def test_actions_count_per_person_however_the_bearer_token_is_spelled(make):
    app = make(RATELIMIT_ACTIONS="6 per minute")
    t = token(app, "staff1")
    spellings = [f"Bearer {t}", f"bearer  {t}", f"BEARER {t}", f"Bearer {t}  ", f"bEaReR {t}", f"Bearer   {t}"]
    assert [act(app, s) for s in spellings] == [422] * 6
    assert act(app, f"Bearer {t}") == 429
    assert act(app, f"bearer {t}", address="10.9.9.9") == 429  # another address: still the same person


def test_two_tokens_of_one_person_share_the_count_and_another_person_is_untouched(make):
    app = make(RATELIMIT_ACTIONS="4 per minute")
    first, second, other = token(app, "staff1"), token(app, "staff1"), token(app, "staff2")
    assert [act(app, f"Bearer {t}") for t in (first, second, first, second)] == [422] * 4
    assert act(app, f"Bearer {second}") == 429
    assert act(app, f"Bearer {other}") == 422


def test_requests_that_authenticate_as_nobody_count_per_address_not_per_junk_header(make):
    app = make(RATELIMIT_ACTIONS="5 per minute")
    junk = [f"Bearer junk-{n}" for n in range(4)] + ["Basic eDp5"]
    assert [act(app, j, address="10.1.1.1") for j in junk] == [401] * 5
    assert act(app, "Bearer yet-another-junk", address="10.1.1.1") == 429
    assert act(app, None, address="10.1.1.1") == 429
    assert act(app, "Bearer junk-0", address="10.1.1.2") == 401


def _web_session(app, user: str):
    client = app.test_client()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"username": user, "password": support.PASSWORD, "csrf_token": csrf},
                       environ_base={"REMOTE_ADDR": "10.0.0.251"}).status_code == 302
    page = client.get("/app/supply/new").get_data(as_text=True)
    return client, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_a_cookie_session_counts_as_its_person_whatever_authorization_header_comes_with_it(make):
    app = make(RATELIMIT_ACTIONS="5 per minute")
    web, csrf = _web_session(app, "staff1")

    def post(headers):
        return web.post("/app/supply/new", data={"csrf_token": csrf, "purpose": ""}, headers=headers,
                        environ_base={"REMOTE_ADDR": "10.2.2.2"}).status_code

    junk = [{}, {"Authorization": "Bearer junk"}, {"Authorization": "bearer  other-junk"},
            {"Authorization": "Basic eDp5"}, {"Authorization": ""}]
    assert all(post(h) < 429 for h in junk)
    assert post({"Authorization": "Bearer still-junk"}) == 429
    # The same person through the API: the same budget, already spent.
    assert act(app, f"Bearer {token(app, 'staff1')}") == 429
    assert act(app, f"Bearer {token(app, 'staff2')}") == 422


# ---- logins: per username and per address ------------------------------------------------------------

def test_one_username_is_stopped_after_ten_guesses_from_any_number_of_addresses(make, record):
    app = make()
    assert ratelimits.LOGIN_PER_USERNAME == "10 per minute"
    answers = [login(app, name, f"10.3.0.{n}") for n, name in enumerate(["staff1", "STAFF1", " staff1 "] * 3 + ["staff1"])]
    assert answers == [401] * 10
    assert login(app, "staff1", "10.3.1.1") == 429
    record("3", "guesses at one username (any case) from 11 addresses", f"{answers + [429]}")
    assert login(app, "staff1", "10.3.1.2", password=support.PASSWORD) == 429  # even the right password waits
    assert login(app, "staff2", "10.3.0.1", password=support.PASSWORD) == 201  # others, from the same address


def test_the_web_login_and_the_api_login_share_the_count_for_a_username(make):
    app = make()
    answers = [login(app, "head1", f"10.4.0.{n}", web=n % 2 == 0) for n in range(10)]
    assert answers == [401] * 10
    assert login(app, "head1", "10.4.1.1", web=True) == 429
    assert login(app, "head1", "10.4.1.2") == 429


def test_one_address_spraying_usernames_is_stopped_at_the_larger_address_limit(make):
    app = make(RATELIMIT_LOGIN_PER_ADDRESS="15 per minute")
    answers = [login(app, f"nobody{n}", "10.5.0.1") for n in range(15)]
    assert answers == [401] * 15
    assert login(app, "nobody-new", "10.5.0.1") == 429
    assert login(app, "staff1", "10.5.0.1", password=support.PASSWORD) == 429
    assert login(app, "staff1", "10.5.0.2", password=support.PASSWORD) == 201


def test_an_office_behind_one_address_logs_in_together(make):
    # Thirty colleagues behind one NAT, each getting their password wrong once then right: nobody waits.
    app = make()
    assert ratelimits.LOGIN_PER_ADDRESS == "100 per minute"
    users = ["staff1", "staff2", "head1", "head2", "buyer", "finance", "fleet", "logistics", "admin"]
    answers = [login(app, u, "10.6.0.1") for u in users] + \
              [login(app, u, "10.6.0.1", password=support.PASSWORD) for u in users]
    assert answers == [401] * len(users) + [201] * len(users)


# ---- across web processes ------------------------------------------------------------------------------

def test_two_app_instances_sharing_redis_share_the_login_count(make, record):
    first, second = make(), make()
    answers = [login(first if n % 2 else second, "staff1", f"10.7.0.{n}") for n in range(10)]
    assert answers == [401] * 10
    answers += [login(first, "staff1", "10.7.1.1"), login(second, "staff1", "10.7.1.2")]
    assert answers[10:] == [429, 429]
    record("3", "logins at one username alternating between two app instances on one Redis", f"{answers}")


def test_two_app_instances_sharing_redis_share_the_action_count(make):
    first, second = make(RATELIMIT_ACTIONS="6 per minute"), make(RATELIMIT_ACTIONS="6 per minute")
    t = token(first, "staff1")
    answers = [act(first if n % 2 else second, f"Bearer {t}" if n % 3 else f"bearer  {t}") for n in range(6)]
    assert answers == [422] * 6
    assert act(first, f"Bearer {t}") == 429
    assert act(second, f"Bearer {t}") == 429


def test_two_app_instances_with_different_prefixes_do_not_share(pg_url):
    apps = [support.make_app(pg_url, REDIS_URL=REDIS, RATELIMIT_ENABLED=True,
                             RATELIMIT_KEY_PREFIX=f"jieyue-test-{uuid.uuid4().hex}") for _ in range(2)]
    try:
        assert [login(apps[0], "staff1", "10.8.0.1") for _ in range(10)] == [401] * 10
        assert login(apps[0], "staff1", "10.8.0.1") == 429
        assert login(apps[1], "staff1", "10.8.0.1") == 401  # the control: the count lives in Redis, per prefix
    finally:
        for app in apps:
            app.extensions["jieyue"].engine.dispose()


# ---- bulk approval: one per item, and a maximum -------------------------------------------------------

def _queue_session(app):
    client = app.test_client()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "head1", "password": support.PASSWORD, "csrf_token": csrf})
    page = client.get("/app/queue").get_data(as_text=True)
    return client, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _bulk(client, csrf, items: list[str]):
    return client.post("/app/queue/bulk-approve", data={"csrf_token": csrf, "confirm": "on", "item": items})


def test_a_bulk_approval_counts_each_item_against_the_action_limit(make, record):
    app = make(RATELIMIT_ACTIONS="5 per minute")
    web, csrf = _queue_session(app)
    items = [f"supply_request:{900000 + n}:1" for n in range(3)]
    answers = [_bulk(web, csrf, items).status_code for _ in range(2)]
    assert answers == [200, 429]  # three of five, then three more would be six
    record("3", "bulk approvals of 3 items under a limit of 5 actions", f"{answers}")
    app2 = make(RATELIMIT_ACTIONS="5 per minute")
    t = token(app2, "head1")
    assert act(app2, f"Bearer {t}") == 429  # the same person's budget, spent by the bulk


def test_bulk_items_and_single_actions_add_up(make):
    app = make(RATELIMIT_ACTIONS="5 per minute")
    web, csrf = _queue_session(app)
    assert _bulk(web, csrf, [f"supply_request:{900000 + n}:1" for n in range(4)]).status_code == 200
    t = token(app, "head1")
    assert act(app, f"Bearer {t}") == 422  # the fifth
    assert act(app, f"Bearer {t}") == 429


@pytest.mark.parametrize("size", [101, 500])
def test_a_bulk_approval_over_the_maximum_is_400_naming_the_maximum_and_approves_nothing(make, size):
    app = make()
    assert ratelimits.BULK_MAX_ITEMS == 100
    web, csrf = _queue_session(app)
    before = table_counts(app)
    resp = _bulk(web, csrf, [f"supply_request:{n}:1" for n in range(1, size + 1)])
    assert resp.status_code == 400, resp.status_code
    text = resp.get_data(as_text=True)
    assert f"一次最多 100 项，本次选择了 {size} 项" in text  # head1 reads Chinese
    assert table_counts(app) == before


def test_a_bulk_approval_of_exactly_the_maximum_is_accepted(make):
    app = make(RATELIMIT_ACTIONS="120 per minute")
    web, csrf = _queue_session(app)
    resp = _bulk(web, csrf, [f"supply_request:{900000 + n}:1" for n in range(100)])
    assert resp.status_code == 200, resp.status_code
    assert resp.get_data(as_text=True).count('<li class="error">') == 100
