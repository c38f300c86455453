"""Issue 14, point 8 on PostgreSQL over real HTTP: a refused short trip sent again, one after the
other or all at once, is one avoided trip (ON CONFLICT DO NOTHING on the unique key)."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from tests.http.trip_support import trip_body
from workflow.vehicles.model import AvoidedTrip

TRIPS = "/api/v1/trip-requests"


def _avoided(runtime) -> int:
    with runtime.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(AvoidedTrip))


def test_a_short_trip_sent_again_and_again_and_at_once_counts_once_on_postgresql(http, pg_app):
    runtime = pg_app.extensions["jieyue"]
    before = _avoided(runtime)
    for spelled in ("Xinzhuang Township Government", " xinzhuang  township government "):
        status, err = http.post("staff1", TRIPS, trip_body(distance_km="0.7", destination=spelled))
        assert status == 422 and err["code"] == "policy_blocked", err
    http.token("staff2")
    answers = []

    def send():
        answers.append(http.post("staff2", TRIPS, trip_body(distance_km="2.0"))[0])

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [422] * 6  # each refusal answered, none a 500 from the unique key
    assert _avoided(runtime) == before + 2  # staff1's trip once, staff2's once
