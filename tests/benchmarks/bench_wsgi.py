"""The app as gunicorn serves it in B4, plus baselines on the same server: hello-world, SELECT 1, and
the approve's own statements written by hand (the ceiling of any approve endpoint on this server).

gunicorn loads `tests.benchmarks.bench_wsgi:create_bench_app()`; DATABASE_URL and REDIS_URL come
from the environment as in production. Rate limits are off: B4 measures the engine, not the limiter.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from flask import request

from api import create_app
from tests.benchmarks.lifecycle_sql import POLICY, RawLifecycle

# The statements of lifecycle_sql (B1's raw baseline), rendered for psycopg; only its SQL is used.
HAND = RawLifecycle({}, [], 0, 0)
HOLDER = """SELECT u.id FROM api_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = %(digest)s AND t.revoked_at IS NULL AND t.expires_at > now() AND u.active"""
REQUEST = """SELECT status, version, department_id, total, budget_year, number, requester_id
    FROM supply_requests WHERE id = %(id)s FOR UPDATE"""


def create_bench_app():
    app = create_app({"SKIP_DOTENV": True, "RATELIMIT_ENABLED": False})
    engine = app.extensions["jieyue"].engine

    @app.get("/bench/hello")
    def hello():
        return "hello"

    @app.get("/bench/select1")
    def select_one():
        # The same pool the API's units of work draw from.
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("SELECT 1").scalar())

    @app.post("/bench/approve-by-hand/<int:request_id>")
    def approve_by_hand(request_id: int):
        """A department approval as hand-written SQL on a pooled psycopg connection: the bearer
        token, the row lock, the move with its version check, the budget, the chained audit event
        and the outbox events, one transaction; none of the services' checks, policy or answer."""
        version = request.get_json()["version"]
        digest = hashlib.sha256(request.headers["Authorization"].removeprefix("Bearer ").encode()).hexdigest()
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            actor = cur.execute(HOLDER, {"digest": digest}).fetchone()
            if actor is None:
                return {"code": "unauthorized"}, 401
            status, current, department, total, year, number, requester = cur.execute(
                REQUEST, {"id": request_id}).fetchone()
            if current != version or status != "dept_review":
                raw.rollback()
                return {"code": "stale_version"}, 409
            now = dt.datetime.now(dt.timezone.utc)
            HAND._x(cur, "FIRST_APPROVAL", after="office_review", version=version + 1, now=now, id=request_id)
            HAND._x(cur, "BUDGET", total=total, department=department, year=year)
            HAND._audit(cur, request_id, "approve", "dept_review", "office_review", actor[0], POLICY, now)
            payload = {"number": number, "requester_id": requester, "department_id": department, "comment": "",
                       "actor_id": actor[0], "from": "dept_review", "to": "office_review"}
            HAND._many(cur, "OUTBOX", [
                HAND._event(request_id, "request.advanced", now, **payload),
                HAND._event(request_id, "task.assigned", now, level="office_review", version=version + 1, **payload)])
            raw.commit()
        finally:
            raw.close()
        return {"id": request_id, "status": "office_review", "version": version + 1}

    # A bearer-token JSON endpoint, like the API's: no web form, so no CSRF token.
    app.extensions["csrf"].exempt(approve_by_hand)
    return app
