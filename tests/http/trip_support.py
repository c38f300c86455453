"""Helpers for trip tests: times in the future, filing and approving trip requests.

Beside the HTTP tests, their first users; the PostgreSQL tests (tests/integration) and the browser
tests (tests/e2e) take the same steps from here.
"""
from __future__ import annotations

import datetime as dt

from workflow.kernel import clock

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(days: int, hour: int, minute: int = 0) -> str:
    """An office-time ISO string `days` from today (always in the future for days >= 1)."""
    day = clock.today(SHANGHAI) + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI).isoformat()


def trip_body(**changes) -> dict:
    body = {"purpose_category": "meeting", "purpose": "Budget hearing", "destination": "Xinzhuang Township Government",
            "distance_km": "18.5", "passengers": 2, "depart_at": at(3, 9), "return_at": at(3, 12)}
    body.update(changes)
    return body


def approved_trip(c, requester="staff1", approver="head1", **changes) -> dict:
    status, req = c.post(requester, "/api/v1/trip-requests", trip_body(**changes))
    assert status == 201, req
    status, req = c.post(approver, f"/api/v1/trip-requests/{req['id']}/actions/approve", {"version": req["version"]})
    assert status == 200 and req["status"] == "approved", req
    return req


def vehicle_and_driver(c, plate="晋A·E1001", driver="driver1") -> tuple[dict, int]:
    status, vehicles = c.get("fleet", "/api/v1/vehicles")
    vehicle = next(v for v in vehicles if v["plate"] == plate)
    status, drivers = c.get("fleet", "/api/v1/drivers")
    return vehicle, next(d["id"] for d in drivers if d["username"] == driver)
