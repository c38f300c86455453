"""Test support for health, metrics and logs: reading a Prometheus scrape, a request waiting for approval.

Beside the HTTP tests on SQLite; tests/integration/test_observability.py takes it from here.
"""
from __future__ import annotations

import json

from prometheus_client.parser import text_string_to_metric_families

APPROVE_ROUTE = "/api/v1/supply-requests/<int:request_id>/actions/<string:action>"


def samples(text: str) -> dict[tuple, float]:
    """{(sample name, ((label, value), ...)): value} of a scrape in the text format."""
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def value(scraped: dict, name: str, **labels) -> float:
    """One sample's value; 0 when the series does not exist yet (a counter never touched)."""
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


def submitted_request(c, user: str = "staff1", sku: str = "PAP-A4-R", quantity: str = "2") -> dict:
    """A green request (by default two reams of recycled paper) submitted by `user`: it waits for the head."""
    status, req = c.post(user, "/api/v1/supply-requests", {
        "purpose": "For the office", "lines": [{"item_id": c.item_id(sku), "quantity": quantity}]})
    assert status == 201, req
    status, req = c.post(user, f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": req["version"]})
    assert status == 200 and req["status"] == "dept_review", req
    return req


def queue_count(c, user: str) -> int:
    """How many items the queue API lists for `user`, over every page."""
    total, cursor = 0, None
    while True:
        status, page = c.get(user, "/api/v1/queue?limit=100" + (f"&cursor={cursor}" if cursor else ""))
        assert status == 200, page
        total += len(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return total


def json_lines(text: str, strict: bool = True) -> list[dict]:
    """The log lines of captured output, each one JSON object; `strict=False` skips lines that are not
    log lines at all (Celery's banner on stdout), but every line that starts an object must parse."""
    lines = [line for line in text.splitlines() if line.strip() and (strict or line.startswith("{"))]
    return [json.loads(line) for line in lines]
