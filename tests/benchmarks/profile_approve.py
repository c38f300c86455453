"""Where one approve over the HTTP stack goes: statements per approve and a cProfile of 300 of them.

Run: `.venv/bin/python -m tests.benchmarks.profile_approve` (its own PostgreSQL database, dropped
after). In process through Flask's test client, so the numbers are the app's, not the server's.
"""
from __future__ import annotations

import cProfile
import pstats
import time
import uuid

from sqlalchemy import event, text

from tests import support
from tests.benchmarks.http_approve import clone_requests

APPROVES = 300


def main() -> None:
    name = f"jieyue_prof_{uuid.uuid4().hex[:6]}"
    support.pg_admin(f"CREATE DATABASE {name}")
    url = support.pg_url(name)
    try:
        support.migrate(url)
        support.seed(url)
        # With a broker configured events wait in the outbox, as in production (nothing is sent).
        app = support.make_app(url, REDIS_URL="redis://127.0.0.1:6379/15")
        c = support.inprocess_client(app)
        _, req = c.post("staff1", "/api/v1/supply-requests", {
            "purpose": "x", "lines": [{"item_id": c.item_id("STA-PEN-G"), "quantity": "2"}]})
        _, req = c.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 1})
        clone_requests(url, req["id"], APPROVES + 60)
        engine = app.extensions["jieyue"].engine
        with engine.connect() as conn:
            waiting = conn.execute(text("SELECT id, version FROM supply_requests WHERE number LIKE 'SR-H-%' "
                                        "ORDER BY id")).all()
        headers = {"Authorization": f"Bearer {c.token('head1')}"}
        client = app.test_client()

        def approve(item):
            resp = client.post(f"/api/v1/supply-requests/{item[0]}/actions/approve", json={"version": item[1]},
                               headers=headers)
            assert resp.status_code == 200, resp.get_json()

        for item in waiting[:50]:  # warm-up: caches, pool, compiled statements
            approve(item)
        statements = []

        def count(conn, cursor, statement, *rest):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        approve(waiting[50])
        event.remove(engine, "before_cursor_execute", count)
        print(f"statements per approve: {len(statements)}")
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for item in waiting[51:51 + APPROVES]:
            approve(item)
        profile.disable()
        print(f"{(time.perf_counter() - started) / APPROVES * 1000:.2f} ms per approve (in process, under cProfile)")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
        engine.dispose()
    finally:
        support.pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
