"""The vehicle-dispatch flow on the embedded SQLite default, through the in-process API."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.http.trip_support import approved_trip, at, trip_body, vehicle_and_driver
from tests.support import inprocess_client
from workflow.kernel.outbox import OutboxEvent
from workflow.models import metadata
from workflow.vehicles.model import AvoidedTrip, Trip, TripRequest

API = "/api/v1/trip-requests"
EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
PETROL = "晋A·P3001"     # sedan, 4 seats, 8.00 L/100 km
PETROL_SUV = "晋A·P3002"  # suv, 6 seats
EV = "晋A·E1001"          # electric sedan, 4 seats, range 400 km
MINIBUS = "晋A·D4001"     # minibus, 14 seats, needs licence B1


# ---- helpers -------------------------------------------------------------------------------

def count(runtime, model, *where) -> int:
    with runtime.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def table_counts(runtime) -> dict[str, int]:
    with runtime.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in metadata.sorted_tables}


def file(client, user="staff1", headers=None, **changes) -> dict:
    status, req = client.post(user, API, trip_body(**changes), headers=headers)
    assert status == 201, req
    return req


def act(client, user, req, action, **extra):
    return client.post(user, f"{API}/{req['id']}/actions/{action}", {"version": req["version"], **extra})


def act_ok(client, user, req, action, expect, **extra) -> dict:
    status, body = act(client, user, req, action, **extra)
    assert status == 200 and body["status"] == expect, (status, body)
    return body


def get(client, req, user="fleet") -> dict:
    status, body = client.get(user, f"{API}/{req['id']}")
    assert status == 200, body
    return body


def vehicle_id(client, plate) -> int:
    return vehicle_and_driver(client, plate)[0]["id"]


def driver_id(client, username) -> int:
    return vehicle_and_driver(client, PETROL, username)[1]


def odometer(client, vid) -> Decimal:
    status, v = client.get("fleet", f"/api/v1/vehicles/{vid}")
    assert status == 200, v
    return Decimal(v["odometer_km"])


def dispatch(client, req, plate=PETROL, driver="driver1", **extra):
    return act(client, "fleet", req, "dispatch", vehicle_id=vehicle_id(client, plate),
               driver_id=driver_id(client, driver), **extra)


def dispatched(client, req, plate=PETROL, driver="driver1", **extra) -> dict:
    status, body = dispatch(client, req, plate, driver, **extra)
    assert status == 200 and body["status"] == "dispatched", body
    return body


def candidates(client, req) -> dict:
    status, body = client.get("fleet", f"{API}/{req['id']}/candidates")
    assert status == 200, body
    return body


def offered_plates(client, req) -> list[str]:
    return [v["plate"] for v in candidates(client, req)["vehicles"]]


def free_drivers(client, req) -> list[str]:
    return [d["username"] for d in candidates(client, req)["drivers"]]


def carpool_ids(client, req) -> list[int]:
    status, body = client.get("fleet", f"{API}/{req['id']}/carpool")
    assert status == 200, body
    return [r["id"] for r in body]


def finding(body, rule_id) -> dict:
    return next(f for f in body["findings"] if f["rule_id"] == rule_id)


def queue(client, user) -> list[tuple[str, int]]:
    status, body = client.get(user, "/api/v1/queue")
    assert status == 200, body
    return [(i["kind"], i["id"]) for i in body["items"]]


def destination(client, name) -> dict:
    status, dests = client.get("staff1", "/api/v1/destinations")
    return next(d for d in dests if d["name"] == name)


def on_common_destination(client, name, **changes) -> dict:
    body = trip_body(destination=name, destination_id=destination(client, name)["id"], **changes)
    del body["distance_km"]
    return body


# ---- VU-135: the 1-3-5 green-travel rule ---------------------------------------------------

BLOCKED = [("0.5", "walk"), ("0.99", "walk"), ("1.0", "cycle"), ("2.5", "cycle"), ("4.99", "public_transport")]
WORDS = {"walk": "walk", "cycle": "cycle", "public_transport": "bus"}


@pytest.mark.parametrize("km, mode", BLOCKED)
def test_short_trip_without_exemption_is_refused_naming_the_green_mode_and_kept_as_avoided_trip(client, runtime,
                                                                                                km, mode):
    client.token("staff1")
    avoided, requests_ = count(runtime, AvoidedTrip), count(runtime, TripRequest)
    status, err = client.post("staff1", API, trip_body(distance_km=km), headers=EN)
    assert status == 422 and err["code"] == "policy_blocked", err
    rule = finding(err, "VU-135")
    assert rule["outcome"] == "block" and rule["params"]["mode"] == mode, rule
    assert WORDS[mode] in rule["message"], rule
    assert count(runtime, AvoidedTrip) == avoided + 1
    assert count(runtime, TripRequest) == requests_
    with runtime.uow() as uow:
        row = uow.session.scalars(select(AvoidedTrip).order_by(AvoidedTrip.id.desc())).first()
        assert row.suggested_mode == mode and row.distance_km == Decimal(km)
        assert row.destination == "Xinzhuang Township Government" and row.purpose_category == "meeting"


@pytest.mark.parametrize("km", ["5.0", "12"])
def test_trip_of_five_km_or_more_is_filed_without_exemption_and_no_avoided_trip(client, runtime, km):
    client.token("staff1")
    avoided = count(runtime, AvoidedTrip)
    req = file(client, distance_km=km)
    assert req["status"] == "requested" and req["needs_office_review"] is False, req
    assert finding(req, "VU-135")["outcome"] == "pass"
    assert count(runtime, AvoidedTrip) == avoided
    act_ok(client, "head1", req, "approve", "approved")


@pytest.mark.parametrize("km, mode", BLOCKED)
def test_exempted_short_trip_is_filed_and_needs_head_then_logistics_approval(client, runtime, km, mode):
    client.token("staff1")
    avoided = count(runtime, AvoidedTrip)
    req = file(client, distance_km=km, exemption="cargo", exemption_note="Two boxes of archive files")
    assert req["status"] == "requested" and req["needs_office_review"] is True, req
    rule = finding(req, "VU-135")
    assert rule["outcome"] == "exception" and rule["params"]["mode"] == mode
    assert count(runtime, AvoidedTrip) == avoided
    req = act_ok(client, "head1", req, "approve", "office_review")
    act_ok(client, "logistics", req, "approve", "approved")


@pytest.mark.parametrize("km", ["5.0", "12"])
def test_exemption_on_a_trip_the_green_rule_allows_does_not_add_a_second_level(client, km):
    req = file(client, distance_km=km, exemption="cargo", exemption_note="Two boxes of archive files")
    assert req["needs_office_review"] is False and finding(req, "VU-135")["outcome"] == "pass", req
    act_ok(client, "head1", req, "approve", "approved")


def test_walking_message_is_chinese_for_accept_language_zh_cn(client):
    # staff2's own language is English: the header alone switches the message.
    status, err = client.post("staff2", API, trip_body(distance_km="0.5"), headers=ZH)
    assert status == 422 and err["code"] == "policy_blocked", err
    message = finding(err, "VU-135")["message"]
    assert "步行" in message and "walk" not in message, message
    status, err = client.post("staff2", API, trip_body(distance_km="0.5"), headers=EN)
    assert "walk" in finding(err, "VU-135")["message"]


@pytest.mark.parametrize("note", [None, "   "])
def test_exemption_without_a_note_is_422_naming_exemption_note_and_nothing_is_stored(client, runtime, note):
    client.token("staff1")
    before = table_counts(runtime)
    body = trip_body(distance_km="0.5", exemption="cargo")
    if note is not None:
        body["exemption_note"] = note
    status, err = client.post("staff1", API, body)
    assert status == 422 and "exemption_note" in err["errors"], err
    assert table_counts(runtime) == before


# ---- VU-LONG and who approves --------------------------------------------------------------

def test_trip_beyond_the_county_limit_needs_head_then_logistics(client):
    req = file(client, distance_km="60")
    assert req["status"] == "requested" and req["needs_office_review"] is True
    assert finding(req, "VU-LONG")["outcome"] == "exception"
    req = act_ok(client, "head1", req, "approve", "office_review")
    act_ok(client, "logistics", req, "approve", "approved")


def test_trip_of_exactly_the_county_limit_needs_only_the_head(client):
    req = file(client, distance_km="50")
    assert finding(req, "VU-LONG")["outcome"] == "pass" and req["needs_office_review"] is False
    act_ok(client, "head1", req, "approve", "approved")


def test_department_heads_own_trip_goes_straight_to_office_review(client):
    req = file(client, "head1")
    assert req["status"] == "office_review", req
    act_ok(client, "logistics", req, "approve", "approved")


def test_nobody_approves_their_own_trip(client):
    own = file(client, "head1")
    status, err = act(client, "head1", own, "approve")
    assert status == 403, err
    assert get(client, own)["status"] == "office_review"
    mine = file(client, "staff1")
    status, err = act(client, "staff1", mine, "approve")
    assert status == 403, err
    assert get(client, mine)["status"] == "requested"


def test_head_of_another_department_cannot_approve(client):
    req = file(client, "staff1")
    status, err = act(client, "head2", req, "approve")
    assert status in (403, 404), err
    assert get(client, req)["status"] == "requested"


def test_logistics_cannot_approve_at_the_department_level(client):
    req = file(client, "staff1", distance_km="60")
    status, err = act(client, "logistics", req, "approve")
    assert status == 403, err
    assert get(client, req)["status"] == "requested"


@pytest.mark.parametrize("action", ["return", "reject"])
def test_return_and_reject_need_a_comment(client, action):
    req = file(client)
    for comment in (None, "  "):
        extra = {} if comment is None else {"comment": comment}
        status, err = act(client, "head1", req, action, **extra)
        assert status == 422 and "comment" in err["errors"], err
    assert get(client, req)["status"] == "requested"


def test_rejected_trip_is_final(client):
    req = act_ok(client, "head1", file(client), "reject", "rejected", comment="Use the video call")
    assert req["allowed_actions"] == []
    status, err = act(client, "staff1", get(client, req, "staff1"), "resubmit")
    assert status == 409 and err["code"] == "illegal_action", err


def test_returned_trip_is_edited_and_resubmitted_to_the_head(client):
    req = act_ok(client, "head1", file(client), "return", "sent_back", comment="Fewer passengers")
    status, req = client.patch("staff1", f"{API}/{req['id']}", {"version": req["version"], "passengers": 1})
    assert status == 200 and req["passengers"] == 1, req
    req = act_ok(client, "staff1", req, "resubmit", "requested")
    act_ok(client, "head1", req, "approve", "approved")
    status, history = client.get("staff1", f"{API}/{req['id']}/history")
    assert [e["action"] for e in history] == ["submit", "return", "edit", "resubmit", "approve"]


def test_resubmitting_a_trip_edited_under_the_walking_distance_is_refused_and_kept_as_avoided(client, runtime):
    req = act_ok(client, "head1", file(client), "return", "sent_back", comment="It is next door")
    status, req = client.patch("staff1", f"{API}/{req['id']}", {"version": req["version"], "distance_km": "0.6"})
    assert status == 200, req
    avoided = count(runtime, AvoidedTrip)
    status, err = act(client, "staff1", req, "resubmit")
    assert status == 422 and err["code"] == "policy_blocked", err
    assert finding(err, "VU-135")["params"]["mode"] == "walk"
    assert count(runtime, AvoidedTrip) == avoided + 1
    assert get(client, req)["status"] == "sent_back"


def test_only_the_requester_resubmits(client):
    req = act_ok(client, "head1", file(client), "return", "sent_back", comment="Fewer passengers")
    status, err = act(client, "head1", req, "resubmit")
    assert status == 403, err
    assert get(client, req)["status"] == "sent_back"


# ---- full lifecycle ------------------------------------------------------------------------

def _run_trip(client, energy_used: str, km: int = 100, **arrive) -> tuple[dict, Decimal, int]:
    req = approved_trip(client)
    vid = vehicle_id(client, PETROL)
    odo = odometer(client, vid)
    req = dispatched(client, req)
    req = act_ok(client, "driver1", req, "depart", "on_trip", odometer_km=str(odo))
    req = act_ok(client, "driver1", req, "arrive", "returned", odometer_km=str(odo + km),
                 energy_used=energy_used, **arrive)
    return req, odo, vid


def test_trip_runs_from_request_to_closed_with_history_in_order_and_odometer_advanced(client, runtime):
    req, odo, vid = _run_trip(client, "12.00", fuel_cost="96.00", tolls="15.00", parking="5.00")
    assert req["trip"]["vehicle_id"] == vid
    assert Decimal(req["trip"]["distance_km"]) == 100
    assert Decimal(req["trip"]["depart_odometer_km"]) == odo
    assert Decimal(req["trip"]["arrive_odometer_km"]) == odo + 100
    assert (req["trip"]["tolls"], req["trip"]["parking"], req["trip"]["fuel_cost"]) == ("15.00", "5.00", "96.00")
    req = act_ok(client, "fleet", req, "close", "closed", comment="Checked")
    assert req["trip"]["closed_at"] is not None and req["trip"]["status"] == "closed"
    assert odometer(client, vid) == odo + 100
    status, history = client.get("staff1", f"{API}/{req['id']}/history")
    assert status == 200, history
    assert [e["action"] for e in history] == ["submit", "approve", "dispatch", "depart", "arrive", "close"]
    assert [e["to_state"] for e in history] == ["requested", "approved", "dispatched", "on_trip", "returned",
                                                "closed"]
    with runtime.uow() as uow:
        trip = uow.session.get(Trip, req["trip"]["id"])
        assert trip.status == "closed" and trip.close_note == "Checked"


@pytest.mark.parametrize("energy_used, flagged", [("12.00", True), ("9.21", True), ("9.20", False), ("8.00", False)])
def test_fuel_anomaly_is_flagged_only_above_norm_times_1_15(client, runtime, energy_used, flagged):
    # The petrol sedan's norm is 8.00 L/100 km, so the limit is 9.20 L over 100 km.
    req, _, _ = _run_trip(client, energy_used)
    assert req["trip"]["fuel_anomaly"] is flagged, req["trip"]
    assert Decimal(req["trip"]["per_100km"]) == Decimal(energy_used)
    events = count(runtime, OutboxEvent, OutboxEvent.topic == "trip.fuel_anomaly",
                   OutboxEvent.aggregate_id == req["trip"]["id"])
    assert events == (1 if flagged else 0)


def test_only_the_fleet_manager_closes_a_trip(client):
    req, _, _ = _run_trip(client, "8.00")
    for user in ("driver1", "staff1"):
        status, err = act(client, user, req, "close")
        assert status == 403, (user, err)
    assert get(client, req)["status"] == "returned"


def test_another_driver_cannot_record_the_departure(client):
    req = approved_trip(client)
    vid = vehicle_id(client, PETROL)
    req = dispatched(client, req)
    status, err = act(client, "driver2", req, "depart", odometer_km=str(odometer(client, vid)))
    assert status in (403, 404), err
    assert get(client, req)["status"] == "dispatched"


# ---- candidates ----------------------------------------------------------------------------

def test_candidates_put_electric_cars_in_range_first_then_lowest_expected_cost(client):
    req = approved_trip(client)  # 18.5 km: a 37 km round trip
    vehicles = candidates(client, req)["vehicles"]
    assert [v["plate"] for v in vehicles] == ["晋A·E1001", "晋A·E1002", "晋A·H2001", "晋A·P3001", "晋A·P3002",
                                              "晋A·D4001"]
    assert [v["new_energy_in_range"] for v in vehicles] == [True, True, False, False, False, False]
    costs = [Decimal(v["expected_cost"]) for v in vehicles]
    assert costs[:2] == sorted(costs[:2]) and costs[2:] == sorted(costs[2:])
    assert costs[0] == Decimal("4.29")  # 37 km × 14.5 kWh/100 km × 0.80 CNY


def test_electric_car_is_offered_for_the_municipal_government_within_its_range(client):
    body = on_common_destination(client, "Municipal Government")  # 68 km: 136 km round trip, range 400
    status, req = client.post("staff1", API, body)
    assert status == 201, req
    req = act_ok(client, "head1", req, "approve", "office_review")
    req = act_ok(client, "logistics", req, "approve", "approved")
    vehicles = candidates(client, req)["vehicles"]
    assert vehicles[0]["plate"] == EV and vehicles[0]["new_energy_in_range"] is True


def _vehicle(client, **fields) -> dict:
    body = {"plate": "晋A·E9001", "kind": "sedan", "energy": "electric", "seats": 4, "norm_per_100km": "13.00",
            "range_km": 100}
    body.update(fields)
    status, v = client.post("fleet", "/api/v1/vehicles", body)
    assert status == 201, v
    return v


def test_electric_car_is_not_offered_when_the_round_trip_exceeds_its_range(client):
    short_range = _vehicle(client, range_km=100)
    req = file(client, distance_km="60")  # 120 km round trip
    req = act_ok(client, "head1", req, "approve", "office_review")
    req = act_ok(client, "logistics", req, "approve", "approved")
    plates = offered_plates(client, req)
    assert short_range["plate"] not in plates and EV in plates, plates
    near = approved_trip(client, distance_km="40")  # 80 km round trip: within 100
    vehicles = candidates(client, near)["vehicles"]
    offered = next(v for v in vehicles if v["plate"] == short_range["plate"])
    assert offered["new_energy_in_range"] is True


def test_vehicle_under_maintenance_is_not_offered_until_back_in_service(client):
    req = approved_trip(client)
    vid = vehicle_id(client, PETROL)
    status, v = client.patch("fleet", f"/api/v1/vehicles/{vid}", {"status": "maintenance"})
    assert status == 200 and v["status"] == "maintenance", v
    assert PETROL not in offered_plates(client, req)
    status, v = client.patch("fleet", f"/api/v1/vehicles/{vid}", {"status": "in_service"})
    assert status == 200, v
    assert PETROL in offered_plates(client, req)


def test_vehicle_with_too_few_seats_is_not_offered(client):
    req = approved_trip(client, passengers=5)
    vehicles = candidates(client, req)["vehicles"]
    assert {v["plate"] for v in vehicles} == {PETROL_SUV, MINIBUS}
    assert all(v["seats"] >= 5 for v in vehicles)


@pytest.mark.parametrize("depart, back", [
    ((3, 10), (3, 11)),        # inside the booked trip
    ((3, 8), (3, 9, 10)),      # ends just after the booked trip starts
    ((3, 12, 20), (3, 15)),    # starts 20 minutes after the booked trip returns: inside the buffer
    ((3, 6), (3, 8, 45)),      # returns 15 minutes before the booked trip departs: inside the buffer
])
def test_vehicle_and_driver_booked_for_an_overlapping_period_are_not_offered(client, depart, back):
    booked = approved_trip(client)  # day 3, 9:00-12:00
    dispatched(client, booked, PETROL, "driver1")
    req = approved_trip(client, depart_at=at(*depart), return_at=at(*back))
    cands = candidates(client, req)
    assert PETROL not in [v["plate"] for v in cands["vehicles"]]
    assert "driver1" not in [d["username"] for d in cands["drivers"]]
    assert "driver2" in [d["username"] for d in cands["drivers"]]


@pytest.mark.parametrize("depart, back", [((3, 14), (3, 16)), ((4, 9), (4, 12)), ((2, 9), (2, 12))])
def test_vehicle_and_driver_booked_for_another_period_are_offered(client, depart, back):
    booked = approved_trip(client)
    dispatched(client, booked, PETROL, "driver1")
    req = approved_trip(client, depart_at=at(*depart), return_at=at(*back))
    cands = candidates(client, req)
    assert PETROL in [v["plate"] for v in cands["vehicles"]]
    assert "driver1" in [d["username"] for d in cands["drivers"]]


def test_candidates_are_for_the_fleet_manager_not_staff(client):
    req = approved_trip(client)
    status, err = client.get("staff1", f"{API}/{req['id']}/candidates")
    assert status == 403, err


# ---- carpool -------------------------------------------------------------------------------

DONGSHAN = "Dongshan Town Government"


def _pool(client, depart, back, requester="staff1", place=DONGSHAN) -> dict:
    status, req = client.post(requester, API, on_common_destination(client, place, depart_at=at(*depart),
                                                                    return_at=at(*back), passengers=1))
    assert status == 201, req
    return act_ok(client, "head1" if requester == "staff1" else "head2", req, "approve", "approved")


def test_overlapping_requests_to_the_same_destination_are_suggested_for_each_other(client):
    a = _pool(client, (3, 9), (3, 12))
    b = _pool(client, (3, 10), (3, 13), requester="staff2")
    later = _pool(client, (4, 9), (4, 12))
    elsewhere = _pool(client, (3, 9), (3, 12), place="Xinzhuang Township Government")
    assert carpool_ids(client, a) == [b["id"]]
    assert carpool_ids(client, b) == [a["id"]]
    assert carpool_ids(client, later) == []
    assert a["id"] not in carpool_ids(client, elsewhere)


def test_carpool_shares_one_trip_and_moves_together_to_closed(client, runtime):
    a = _pool(client, (3, 9), (3, 12))
    b = _pool(client, (3, 10), (3, 13), requester="staff2")
    vid = vehicle_id(client, PETROL)
    odo = odometer(client, vid)
    a = dispatched(client, a, carpool_ids=[b["id"]])
    b = get(client, b)
    assert b["status"] == "dispatched" and b["trip"]["id"] == a["trip"]["id"], b
    assert count(runtime, TripRequest, TripRequest.trip_id == a["trip"]["id"]) == 2
    a = act_ok(client, "driver1", a, "depart", "on_trip", odometer_km=str(odo))
    assert get(client, b)["status"] == "on_trip"
    a = act_ok(client, "driver1", a, "arrive", "returned", odometer_km=str(odo + 55), energy_used="4.40")
    assert get(client, b)["status"] == "returned"
    act_ok(client, "fleet", a, "close", "closed")
    b = get(client, b)
    assert b["status"] == "closed" and b["trip"]["status"] == "closed"
    assert odometer(client, vid) == odo + 55


def test_carpool_booking_covers_every_request_in_it(client):
    a = _pool(client, (3, 9), (3, 12))
    b = _pool(client, (3, 10), (3, 15), requester="staff2")
    a = dispatched(client, a, carpool_ids=[b["id"]])
    # 14:00-16:00 overlaps only b's part of the shared trip.
    other = approved_trip(client, depart_at=at(3, 14), return_at=at(3, 16))
    assert PETROL not in offered_plates(client, other)


def test_cancelling_one_request_of_a_carpool_before_departure_leaves_the_other_dispatched(client):
    a = _pool(client, (3, 9), (3, 12))
    b = _pool(client, (3, 10), (3, 13), requester="staff2")
    a = dispatched(client, a, carpool_ids=[b["id"]])
    b = act_ok(client, "staff2", get(client, b, "staff2"), "cancel", "cancelled")
    assert b["trip"] is None
    a = get(client, a)
    assert a["status"] == "dispatched" and a["trip"]["status"] == "dispatched", a
    other = approved_trip(client, depart_at=at(3, 10), return_at=at(3, 11))
    assert PETROL not in offered_plates(client, other)  # the shared trip still holds the vehicle
    odo = odometer(client, a["trip"]["vehicle_id"])
    act_ok(client, "driver1", a, "depart", "on_trip", odometer_km=str(odo))


def test_cancelling_the_request_a_carpool_was_dispatched_from_leaves_the_other_on_the_trip(client):
    a = _pool(client, (3, 9), (3, 12))
    b = _pool(client, (3, 10), (3, 13), requester="staff2")
    a = dispatched(client, a, carpool_ids=[b["id"]])
    act_ok(client, "fleet", a, "cancel", "cancelled")
    b = get(client, b)
    assert b["status"] == "dispatched" and b["trip"]["id"] == a["trip"]["id"], b
    odo = odometer(client, b["trip"]["vehicle_id"])
    b = act_ok(client, "driver1", b, "depart", "on_trip", odometer_km=str(odo))
    b = act_ok(client, "driver1", b, "arrive", "returned", odometer_km=str(odo + 55), energy_used="4.40")
    act_ok(client, "fleet", b, "close", "closed")
    assert get(client, a)["status"] == "cancelled"


def test_carpool_passengers_together_must_fit_the_vehicle(client, runtime):
    a = _pool(client, (3, 9), (3, 12))
    b = _pool(client, (3, 10), (3, 13), requester="staff2")
    status, three = client.post("staff1", API, on_common_destination(client, DONGSHAN, passengers=3,
                                                                      depart_at=at(3, 9, 30), return_at=at(3, 12)))
    assert status == 201, three
    three = act_ok(client, "head1", three, "approve", "approved")
    _expect_refused(client, runtime, lambda: dispatch(client, three, PETROL, "driver1", carpool_ids=[a["id"], b["id"]]),
                    422, "vehicle_id")
    dispatched(client, three, PETROL_SUV, "driver1", carpool_ids=[a["id"], b["id"]])


def test_carpool_with_a_request_that_is_not_approved_is_422_naming_it(client, runtime):
    a = _pool(client, (3, 9), (3, 12))
    status, pending = client.post("staff2", API, on_common_destination(client, DONGSHAN))
    assert status == 201 and pending["status"] == "requested", pending
    _expect_refused(client, runtime, lambda: dispatch(client, a, carpool_ids=[pending["id"]]), 422,
                    "carpool_ids.0")
    assert get(client, a)["status"] == "approved" and get(client, pending)["status"] == "requested"


def test_cancelling_the_only_request_of_a_trip_frees_vehicle_and_driver(client, runtime):
    a = approved_trip(client)
    a = dispatched(client, a)
    other = approved_trip(client, depart_at=at(3, 10), return_at=at(3, 11))
    assert PETROL not in offered_plates(client, other) and "driver1" not in free_drivers(client, other)
    a = act_ok(client, "staff1", get(client, a, "staff1"), "cancel", "cancelled")
    assert PETROL in offered_plates(client, other) and "driver1" in free_drivers(client, other)
    with runtime.uow() as uow:
        trip = uow.session.scalars(select(Trip).order_by(Trip.id.desc())).first()
        assert trip.active is False and trip.status == "cancelled"
    dispatched(client, other)


def test_cancel_after_departure_is_illegal(client):
    a = approved_trip(client)
    vid = vehicle_id(client, PETROL)
    a = dispatched(client, a)
    a = act_ok(client, "driver1", a, "depart", "on_trip", odometer_km=str(odometer(client, vid)))
    status, err = act(client, "staff1", get(client, a, "staff1"), "cancel")
    assert status == 409 and err["code"] == "illegal_action", err


# ---- double booking ------------------------------------------------------------------------

def test_second_dispatch_of_a_booked_vehicle_for_an_overlapping_period_is_409_naming_vehicle_id(client, runtime):
    first = dispatched(client, approved_trip(client), PETROL, "driver1")
    second = approved_trip(client, depart_at=at(3, 11), return_at=at(3, 14))
    trips = count(runtime, Trip)
    status, err = dispatch(client, second, PETROL, "driver2")
    assert status == 409 and "vehicle_id" in err["errors"], err
    assert get(client, second)["status"] == "approved" and count(runtime, Trip) == trips
    assert get(client, first)["status"] == "dispatched"


def test_second_dispatch_of_a_booked_driver_on_another_vehicle_is_409_naming_driver_id(client, runtime):
    dispatched(client, approved_trip(client), PETROL, "driver1")
    second = approved_trip(client, depart_at=at(3, 12, 15), return_at=at(3, 14))  # inside the buffer
    trips = count(runtime, Trip)
    status, err = dispatch(client, second, PETROL_SUV, "driver1")
    assert status == 409 and "driver_id" in err["errors"], err
    assert get(client, second)["status"] == "approved" and count(runtime, Trip) == trips
    dispatched(client, second, PETROL_SUV, "driver2")


def test_concurrent_dispatches_of_one_vehicle_on_sqlite_book_it_once(app, client, runtime):
    requests_ = [approved_trip(client, depart_at=at(5, 9, n), return_at=at(5, 15, n)) for n in range(8)]
    vid, did = vehicle_id(client, PETROL), driver_id(client, "driver1")
    token = client.token("fleet")
    barrier = threading.Barrier(len(requests_))
    results = []

    def run(req):
        own = inprocess_client(app)
        own._tokens["fleet"] = token
        barrier.wait()
        results.append(act(own, "fleet", req, "dispatch", vehicle_id=vid, driver_id=did))

    threads = [threading.Thread(target=run, args=(r,)) for r in requests_]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * 7, results
    assert all("vehicle_id" in body["errors"] for status, body in results if status == 409)
    ids = [r["id"] for r in requests_]
    assert count(runtime, TripRequest, TripRequest.id.in_(ids), TripRequest.trip_id.is_not(None)) == 1
    assert count(runtime, TripRequest, TripRequest.id.in_(ids), TripRequest.status == "approved") == 7


# ---- bad input: 4xx naming the field, nothing written --------------------------------------

def _expect_refused(client, runtime, call, status_code, field, users=("staff1", "fleet", "driver1")):
    for user in users:
        client.token(user)
    before = table_counts(runtime)
    status, err = call()
    assert status == status_code, (status, err)
    if field:
        assert field in err["errors"], err
    assert table_counts(runtime) == before
    return err


@pytest.mark.parametrize("changes, field", [
    ({"depart_at": at(3, 12), "return_at": at(3, 9)}, "return_at"),
    ({"return_at": at(3, 9)}, "return_at"),
    ({"distance_km": "0"}, "distance_km"),
    ({"distance_km": "-5"}, "distance_km"),
    ({"distance_km": None}, "distance_km"),
    ({"destination_id": 999999}, "destination_id"),
    ({"passengers": 0}, "passengers"),
    ({"purpose_category": "personal"}, "purpose_category"),
    ({"colour": "red"}, "colour"),
])
def test_bad_trip_request_is_refused_naming_the_field_and_writes_nothing(client, runtime, changes, field):
    body = trip_body(**changes)
    for name in [k for k, v in body.items() if v is None]:
        del body[name]
    err = _expect_refused(client, runtime, lambda: client.post("staff1", API, body), 422, field)
    assert err["code"] != "policy_blocked"


def test_dispatch_with_more_passengers_than_seats_is_422_naming_vehicle_id(client, runtime):
    req = approved_trip(client, passengers=5)
    _expect_refused(client, runtime, lambda: dispatch(client, req, EV, "driver1"), 422, "vehicle_id")
    assert get(client, req)["status"] == "approved"


def test_dispatch_of_an_unknown_vehicle_is_422_naming_vehicle_id(client, runtime):
    req = approved_trip(client)
    did = driver_id(client, "driver1")
    _expect_refused(client, runtime, lambda: act(client, "fleet", req, "dispatch", vehicle_id=999999, driver_id=did),
                    422, "vehicle_id")


def test_dispatch_of_a_retired_vehicle_is_422_naming_vehicle_id(client, runtime):
    req = approved_trip(client)
    vid = vehicle_id(client, PETROL)
    status, v = client.patch("fleet", f"/api/v1/vehicles/{vid}", {"status": "retired"})
    assert status == 200 and v["status"] == "retired", v
    _expect_refused(client, runtime, lambda: dispatch(client, req, PETROL, "driver1"), 422, "vehicle_id")


def _c1_driver(client) -> int:
    status, user = client.post("admin", "/api/v1/users", {"username": "driver3", "password": "driver3-pass-2026",
                                                         "role": "driver", "department": "LOG",
                                                         "full_name": "Qian Bo"})
    assert status == 201, user
    status, driver = client.post("fleet", "/api/v1/drivers", {"username": "driver3", "licence_class": "C1"})
    assert status == 201 and driver["licence_class"] == "C1", driver
    return driver["id"]


def test_driver_without_the_licence_class_for_a_minibus_is_422_naming_driver_id(client, runtime):
    did = _c1_driver(client)
    req = approved_trip(client, passengers=8)
    vid = vehicle_id(client, MINIBUS)
    _expect_refused(client, runtime, lambda: act(client, "fleet", req, "dispatch", vehicle_id=vid, driver_id=did),
                    422, "driver_id")
    # The same driver may take a sedan.
    small = approved_trip(client, depart_at=at(4, 9), return_at=at(4, 12))
    status, body = act(client, "fleet", small, "dispatch", vehicle_id=vehicle_id(client, PETROL), driver_id=did)
    assert status == 200 and body["status"] == "dispatched", body


def test_inactive_driver_is_not_offered_and_cannot_be_dispatched(client, runtime):
    req = approved_trip(client)
    did = driver_id(client, "driver2")
    status, d = client.patch("fleet", f"/api/v1/drivers/{did}", {"active": False})
    assert status == 200 and d["active"] is False, d
    assert "driver2" not in free_drivers(client, req)
    _expect_refused(client, runtime, lambda: dispatch(client, req, PETROL, "driver2"), 422, "driver_id")


def test_dispatch_missing_driver_id_is_422_naming_driver_id(client, runtime):
    req = approved_trip(client)
    vid = vehicle_id(client, PETROL)
    _expect_refused(client, runtime, lambda: act(client, "fleet", req, "dispatch", vehicle_id=vid), 422, "driver_id")


def test_depart_with_odometer_below_the_vehicles_is_422_and_changes_nothing(client, runtime):
    req = dispatched(client, approved_trip(client))
    vid = vehicle_id(client, PETROL)
    odo = odometer(client, vid)
    _expect_refused(client, runtime, lambda: act(client, "driver1", req, "depart", odometer_km=str(odo - 1)),
                    422, "odometer_km")
    assert get(client, req)["status"] == "dispatched" and odometer(client, vid) == odo


def test_arrive_with_odometer_below_the_departure_reading_is_422_and_changes_nothing(client, runtime):
    req = dispatched(client, approved_trip(client))
    vid = vehicle_id(client, PETROL)
    odo = odometer(client, vid)
    req = act_ok(client, "driver1", req, "depart", "on_trip", odometer_km=str(odo + 10))
    _expect_refused(client, runtime, lambda: act(client, "driver1", req, "arrive", odometer_km=str(odo + 5),
                                                  energy_used="1.00"), 422, "odometer_km")
    after = get(client, req)
    assert after["status"] == "on_trip" and after["trip"]["arrive_odometer_km"] is None
    assert odometer(client, vid) == odo + 10


def test_stale_version_is_409_and_changes_nothing(client, runtime):
    req = file(client)
    fresh = act_ok(client, "head1", req, "approve", "approved")
    client.token("head1")
    err = _expect_refused(client, runtime, lambda: act(client, "fleet", req, "dispatch",
                                                        vehicle_id=vehicle_id(client, PETROL),
                                                        driver_id=driver_id(client, "driver1")), 409, None)
    assert err["code"] == "stale_version", err
    assert get(client, fresh)["version"] == fresh["version"]


def test_illegal_action_is_409_with_the_allowed_actions(client, runtime):
    req = approved_trip(client)
    vid = vehicle_id(client, PETROL)
    err = _expect_refused(client, runtime, lambda: act(client, "fleet", req, "depart",
                                                        odometer_km=str(odometer(client, vid))), 409, None)
    assert err["code"] == "illegal_action" and sorted(err["allowed"]) == ["cancel", "dispatch"], err
    assert get(client, req)["status"] == "approved"


# ---- queues --------------------------------------------------------------------------------

def test_department_head_sees_trip_approvals_of_their_department_only(client):
    gen = file(client, "staff1")
    fin = file(client, "staff2")
    assert ("trip_request", gen["id"]) in queue(client, "head1")
    assert ("trip_request", fin["id"]) not in queue(client, "head1")
    assert ("trip_request", fin["id"]) in queue(client, "head2")
    act_ok(client, "head1", gen, "approve", "approved")
    assert ("trip_request", gen["id"]) not in queue(client, "head1")


def test_logistics_sees_trips_in_office_review_only(client):
    long = act_ok(client, "head1", file(client, distance_km="60"), "approve", "office_review")
    plain = file(client)
    items = queue(client, "logistics")
    assert ("trip_request", long["id"]) in items
    assert plain["id"] not in [i for _, i in items]


def test_fleet_sees_approved_trips_to_dispatch_and_returned_trips_to_close(client):
    waiting = approved_trip(client, depart_at=at(5, 9), return_at=at(5, 12))
    returned, _, _ = _run_trip(client, "8.00")
    items = queue(client, "fleet")
    assert ("trip_dispatch", waiting["id"]) in items
    assert ("trip_close", returned["id"]) in items
    assert returned["id"] not in [i for k, i in items if k == "trip_dispatch"]
    act_ok(client, "fleet", returned, "close", "closed")
    assert returned["id"] not in [i for _, i in queue(client, "fleet")]


def test_driver_sees_their_trip_under_way_and_not_another_drivers(client):
    req = dispatched(client, approved_trip(client), PETROL, "driver1")
    req = act_ok(client, "driver1", req, "depart", "on_trip",
                 odometer_km=str(odometer(client, vehicle_id(client, PETROL))))
    assert ("trip_drive", req["id"]) in queue(client, "driver1")
    assert req["id"] not in [i for _, i in queue(client, "driver2")]
