"""Rate limits: guessing passwords and hammering actions answer 429, counted in Redis."""
from __future__ import annotations

import uuid

from tests import support


def test_logins_beyond_the_limit_answer_429_counted_in_redis(pg_url, record):
    app = support.make_app(pg_url, REDIS_URL="redis://127.0.0.1:6379/0", RATELIMIT_ENABLED=True,
                           RATELIMIT_KEY_PREFIX=f"jieyue-test-{uuid.uuid4().hex}")
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    client = app.test_client()
    answers = [client.post("/api/v1/auth/tokens", json={"username": "staff1", "password": "wrong-guess"}).status_code
               for _ in range(12)]
    record("3", "login attempts", f"{answers}")
    assert answers[:10] == [401] * 10 and answers[10:] == [429, 429]
    body = client.post("/api/v1/auth/tokens", json={"username": "staff1", "password": support.PASSWORD}).get_json()
    assert body["code"] == "rate_limited"  # even the right password waits for the window
    app.extensions["jieyue"].engine.dispose()


def test_limits_are_off_in_tests_unless_asked_for(app):
    client = app.test_client()
    answers = {client.post("/api/v1/auth/tokens", json={"username": "x", "password": "y"}).status_code
               for _ in range(15)}
    assert answers == {401}
