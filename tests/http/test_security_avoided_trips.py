"""Issue 14, point 8: a refused short trip counts once as an avoided trip per requester,
destination and day of the trip, however often (and however spelled) it is sent again."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from policies.periods import parse as parse_period

from tests.http.trip_support import at, trip_body
from workflow.reporting.vehicle_figures import avoided as avoided_figures
from workflow.vehicles.model import AvoidedTrip

TRIPS = "/api/v1/trip-requests"
SHORT = {"distance_km": "0.6"}  # VU-135: walk


def _avoided(runtime) -> int:
    with runtime.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(AvoidedTrip))


def _refused(client, user="staff1", **changes):
    status, err = client.post(user, TRIPS, trip_body(**(SHORT | changes)))
    assert status == 422 and err["code"] == "policy_blocked", err


def test_the_same_short_trip_sent_five_times_counts_once(client, runtime):
    before = _avoided(runtime)
    for _ in range(5):
        _refused(client)
    assert _avoided(runtime) == before + 1


@pytest.mark.parametrize("spelled", ["xinzhuang township government", "  Xinzhuang   Township\tGovernment ",
                                     "ＸＩＮＺＨＵＡＮＧ Township Government", "Xinzhuang\u3000Township Government"])
def test_the_same_destination_spelled_otherwise_counts_once(client, runtime, spelled):
    before = _avoided(runtime)
    _refused(client, destination="Xinzhuang Township Government")
    _refused(client, destination=spelled)
    assert _avoided(runtime) == before + 1


def _leaving(day: int, hour: int, minute: int = 0) -> dict:
    depart = dt.datetime.fromisoformat(at(day, hour, minute))
    return {"depart_at": depart.isoformat(), "return_at": (depart + dt.timedelta(hours=1)).isoformat()}


@pytest.mark.parametrize("first,second", [
    ((3, 7, 30), (3, 9, 0)),    # 07:30 and 09:00 in the office: different UTC days, one office day
    ((3, 9, 0), (3, 16, 30)),   # morning and afternoon
    ((3, 0, 0), (3, 22, 59)),
])
def test_times_on_one_office_day_count_once(client, runtime, first, second):
    before = _avoided(runtime)
    _refused(client, **_leaving(*first))
    _refused(client, **_leaving(*second))
    assert _avoided(runtime) == before + 1


@pytest.mark.parametrize("first,second", [
    ((3, 9, 0), (4, 9, 0)),
    ((3, 23, 30), (4, 0, 30)),  # an hour apart, across the office's midnight (the same UTC day)
])
def test_another_office_day_counts_again(client, runtime, first, second):
    before = _avoided(runtime)
    _refused(client, **_leaving(*first))
    _refused(client, **_leaving(*second))
    assert _avoided(runtime) == before + 2


def test_another_destination_or_another_requester_counts_again(client, runtime):
    before = _avoided(runtime)
    _refused(client)
    _refused(client, destination="County Library")
    _refused(client, user="staff2")
    assert _avoided(runtime) == before + 3


def test_a_resubmission_refused_again_and_again_counts_once_with_the_first_filing(client, runtime):
    status, req = client.post("staff1", TRIPS, trip_body())
    assert status == 201, req
    status, req = client.post("head1", f"{TRIPS}/{req['id']}/actions/return",
                              {"version": req["version"], "comment": "It is next door"})
    assert status == 200 and req["status"] == "sent_back", req
    status, req = client.patch("staff1", f"{TRIPS}/{req['id']}", {"version": req["version"], **SHORT})
    assert status == 200, req
    before = _avoided(runtime)
    for _ in range(3):
        status, err = client.post("staff1", f"{TRIPS}/{req['id']}/actions/resubmit", {"version": req["version"]})
        assert status == 422 and err["code"] == "policy_blocked", err
    _refused(client)  # and the same trip filed afresh
    assert _avoided(runtime) == before + 1


def test_the_report_counts_each_avoided_trip_once(client, runtime):
    for _ in range(4):
        _refused(client)
    _refused(client, destination="County Library", distance_km="2.0")
    with runtime.uow() as uow:
        first, last = uow.session.execute(select(func.min(AvoidedTrip.created_at), func.max(AvoidedTrip.created_at))).one()
        days = f"{first.astimezone(uow.office_tz).date()}..{last.astimezone(uow.office_tz).date()}"
        figures = avoided_figures(uow.session, parse_period(days), uow.office_tz, uow.policy_document)
    assert figures["trips"] == 2
    assert figures["km"] == Decimal("5.2")  # 2 x 0.6 + 2 x 2.0
