"""Reliability figures on PostgreSQL: racing approvals, tampering found, mass assignment, text round trips."""
from __future__ import annotations

import threading

from sqlalchemy import func, select, text

from workflow.kernel.audit import AuditEvent
from workflow.kernel.outbox import OutboxEvent


def _submitted(c, quantity="5"):
    status, req = c.post("staff1", "/api/v1/supply-requests", {
        "purpose": "Pens", "lines": [{"item_id": c.item_id("STA-PEN-G"), "quantity": quantity}]})
    status, req = c.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 1})
    assert req["status"] == "dept_review", req
    return req


def test_two_hundred_concurrent_approvals_of_one_item_make_one_approval(http, pg_app, record):
    req = _submitted(http)
    http.token("head1")
    barrier = threading.Barrier(50)
    results, lock = [], threading.Lock()

    def approve():
        barrier.wait()
        for _ in range(4):
            answer = http.post("head1", f"/api/v1/supply-requests/{req['id']}/actions/approve",
                               {"version": req["version"]})
            with lock:
                results.append(answer[0])

    threads = [threading.Thread(target=approve) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    runtime = pg_app.extensions["jieyue"]
    with runtime.uow() as uow:
        audits = uow.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity_id == req["id"], AuditEvent.entity_type == "supply_request",
            AuditEvent.action == "approve"))
        events = uow.session.scalar(select(func.count()).select_from(OutboxEvent).where(
            OutboxEvent.aggregate_id == req["id"], OutboxEvent.topic == "request.approved"))
    record("1", "200 concurrent approvals", f"{results.count(200)} x 200, {results.count(409)} x 409, "
           f"{sum(1 for r in results if r >= 500)} x 5xx; audit events {audits}, outbox events {events}")
    assert len(results) == 200
    assert results.count(200) == 1 and results.count(409) == 199
    assert audits == 1 and events == 1


def test_audit_verify_finds_a_row_changed_behind_the_applications_back(http, pg_app, record):
    req = _submitted(http)
    http.post("head1", f"/api/v1/supply-requests/{req['id']}/actions/approve", {"version": req["version"]})
    result = pg_app.test_cli_runner().invoke(args=["audit-verify"])
    assert result.exit_code == 0 and "every chain intact" in result.output, result.output
    runtime = pg_app.extensions["jieyue"]
    # The application cannot change history: the trigger refuses it ...
    with runtime.engine.connect() as conn:
        try:
            conn.execute(text("UPDATE audit_events SET comment = 'ok' WHERE entity_id = :i"), {"i": req["id"]})
            raise AssertionError("an UPDATE of audit_events went through")
        except Exception as exc:  # noqa: BLE001
            assert "append-only" in str(exc)
    # ... so tamper as a superuser would, with the trigger switched off.
    with runtime.engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        conn.execute(text("UPDATE audit_events SET comment = 'approved by the director' "
                          "WHERE entity_id = :i AND action = 'approve'"), {"i": req["id"]})
        conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
    result = pg_app.test_cli_runner().invoke(args=["audit-verify"])
    record("4", "audit-verify after tampering", f"exit {result.exit_code}: {result.output.strip()}")
    assert result.exit_code == 1 and "content changed" in result.output


def test_mass_assignment_after_submit_is_refused_and_changes_nothing(http, record):
    req = _submitted(http)
    answers = {}
    for field, value in (("status", "approved"), ("requester_id", 1), ("approved_by", 1), ("total", "1.00")):
        status, err = http.patch("staff1", f"/api/v1/supply-requests/{req['id']}",
                                 {"version": req["version"], field: value})
        answers[field] = status
        assert status == 422 and field in err["errors"], (field, err)
    # A version of one's own choosing is a stale version.
    status, err = http.patch("staff1", f"/api/v1/supply-requests/{req['id']}", {"version": 99, "purpose": "x"})
    assert status == 409 and err["code"] == "stale_version"
    status, same = http.get("staff1", f"/api/v1/supply-requests/{req['id']}")
    unchanged = (same["status"], same["version"], same["total"]) == (req["status"], req["version"], req["total"])
    record("2", "Mass assignment after submit", ", ".join(f"{f} {s}" for f, s in answers.items())
           + f", own version 409; request unchanged: {unchanged}")
    assert unchanged


def test_chinese_emoji_and_right_to_left_text_round_trip_unchanged(http, record):
    purpose = "购买再生纸 ♻️📄 — שלום עולם — مرحبا"
    status, req = http.post("staff1", "/api/v1/supply-requests", {
        "purpose": purpose, "lines": [{"item_id": http.item_id("STA-PEN-G"), "quantity": "1"}]})
    assert status == 201
    back = http.get("staff1", f"/api/v1/supply-requests/{req['id']}")[1]["purpose"]
    record("8", "Chinese, emoji and right-to-left text", f"{len(purpose)} characters, unchanged: {back == purpose}")
    assert back == purpose


def test_five_hundred_concurrent_overlapping_bookings_leave_no_overlap(http, pg_app, record):
    import datetime as dt

    from workflow.kernel.db import utcnow
    from workflow.people.accounts import User
    from workflow.vehicles import dispatch, trip_requests

    runtime = pg_app.extensions["jieyue"]
    with runtime.uow() as uow:
        staff = uow.session.scalar(select(User).where(User.username == "staff1")).as_actor()
        head = uow.session.scalar(select(User).where(User.username == "head1")).as_actor()
    start = utcnow().replace(microsecond=0) + dt.timedelta(days=20)
    ids = []
    for n in range(500):  # through the services: the race is what is measured, not the set-up
        req = trip_requests.file_request(trip_requests.TripInput(
            purpose_category="meeting", purpose="Hearing", origin="Office", destination="Township",
            depart_at=start + dt.timedelta(minutes=n % 60), return_at=start + dt.timedelta(hours=3),
            passengers=1, distance_km=__import__("decimal").Decimal("20")), staff, runtime.uow())
        req = dispatch.act(req["id"], "approve", {"version": req["version"]}, head, runtime.uow())
        ids.append((req["id"], req["version"]))
    status, vehicles = http.get("fleet", "/api/v1/vehicles")
    status, drivers = http.get("fleet", "/api/v1/drivers")
    vehicle_ids = [v["id"] for v in vehicles if v["seats"] >= 1][:3]
    queue = list(enumerate(ids))
    lock, results = threading.Lock(), []

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                n, (req_id, version) = queue.pop()
            answer = http.post("fleet", f"/api/v1/trip-requests/{req_id}/actions/dispatch",
                               {"version": version, "vehicle_id": vehicle_ids[n % len(vehicle_ids)],
                                "driver_id": drivers[n % len(drivers)]["id"]})
            with lock:
                results.append(answer[0])

    http.token("fleet")
    threads = [threading.Thread(target=worker) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    with runtime.engine.connect() as conn:
        overlaps = conn.execute(text(
            "SELECT count(*) FROM trips a JOIN trips b ON a.id < b.id AND a.active AND b.active "
            "AND (a.vehicle_id = b.vehicle_id OR a.driver_id = b.driver_id) "
            "AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at")).scalar()
    record("1", "500 concurrent overlapping bookings", f"{results.count(200)} booked, {results.count(409)} x 409, "
           f"{sum(1 for r in results if r >= 500)} x 5xx, {overlaps} overlaps")
    assert len(results) == 500 and overlaps == 0
    assert results.count(200) >= 1 and results.count(200) + results.count(409) == 500


def test_random_actions_from_fifty_threads_leave_every_item_as_its_audit_history_says(pg_url, record):
    """50 threads, 100 items, 30 s of legal and illegal actions: the audit trail replays to each state."""
    import random
    import time

    from tests import support

    # One connection per thread, as a server with 50 threads would be configured (DB_POOL_SIZE).
    pg_app = support.make_app(pg_url, DB_POOL_SIZE=50, DB_MAX_OVERFLOW=10)
    from workflow.kernel.errors import DomainError
    from workflow.people.accounts import User
    from workflow.procurement import supply_requests
    from workflow.procurement.model import SUPPLY_MACHINE, SupplyRequest
    from workflow.procurement.supply_requests import LineInput

    runtime = pg_app.extensions["jieyue"]
    with runtime.uow() as uow:
        people = {u.username: u.as_actor() for u in uow.session.scalars(
            select(User).where(User.username.in_(("staff1", "head1", "logistics", "staff2"))))}
        pens = uow.session.scalar(text("SELECT id FROM catalog_items WHERE sku = 'STA-PEN-G'"))
    items = []
    for n in range(100):
        req = supply_requests.create_draft(f"Item {n}", None, [LineInput(quantity=__import__("decimal").Decimal(1 + n % 3),
                                                                        item_id=pens)], people["staff1"], runtime.uow())
        items.append(req["id"])
    actions = ["submit", "resubmit", "approve", "return", "reject", "cancel"]
    counts = {"done": 0, "refused": 0, "errors": 0}
    lock = threading.Lock()
    stop = time.monotonic() + 30

    def worker(seed):
        rng = random.Random(seed)
        while time.monotonic() < stop:
            item = rng.choice(items)
            actor = people[rng.choice(list(people))]
            try:
                current = supply_requests.get_request(item, people["logistics"], runtime.uow())
                version = current["version"] if rng.random() < 0.9 else current["version"] - 1  # some stale
                supply_requests.act(item, rng.choice(actions), version, actor, runtime.uow(),
                                    comment="random", justification="random")
                outcome = "done"
            except DomainError:
                outcome = "refused"
            except Exception as exc:  # noqa: BLE001 - counted; must stay zero
                outcome = "errors"
                print("unexpected:", type(exc).__name__, str(exc)[:300])
            with lock:
                counts[outcome] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    mismatches = 0
    with runtime.uow() as uow:
        s = uow.session
        for item in items:
            status = s.scalar(select(SupplyRequest.status).where(SupplyRequest.id == item))
            events = s.scalars(select(AuditEvent).where(AuditEvent.entity_type == "supply_request",
                                                        AuditEvent.entity_id == item).order_by(AuditEvent.id)).all()
            state = "draft"
            for e in events:
                if e.from_state is not None and e.from_state != e.to_state:
                    # each recorded step starts where the previous one ended, and is a step of the machine
                    assert e.from_state == state, (item, e.action, e.from_state, state)
                    assert e.action in SUPPLY_MACHINE.get_triggers(state), (item, e.action, state)
                state = e.to_state or state
            mismatches += state != status
    runtime.engine.dispose()
    record("1", "random actions for 30 s", f"{counts['done']} done, {counts['refused']} refused, "
           f"{counts['errors']} errors; {len(items)} items, {mismatches} whose state differs from its audit replay")
    assert counts["errors"] == 0 and mismatches == 0 and counts["done"] > 100
