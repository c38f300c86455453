"""Issue 14, point 1: two approval levels are two people, whatever delegations exist; delegations
go only to who may hold the approving role, for a capped period that does not start in the past.

The period's rules in the delegation service itself: tests/services/test_security_separation_of_duties.py.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.http.trip_support import at, trip_body
from tests.support import PASSWORD
from workflow.kernel.audit import AuditEvent
from workflow.kernel.db import utcnow
from workflow.people import delegation, accounts
from workflow.people.delegation import Delegation
from workflow.worklist.reminders import remind_and_escalate

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
SUPPLY = "/api/v1/supply-requests"
TRIPS = "/api/v1/trip-requests"
AIR_CONDITIONERS = [{"sku": "APP-AC-1", "quantity": "2"}]  # 6,400 CNY: needs the second level


@pytest.fixture
def office(client, runtime):
    """The seeded office plus a second logistics user (so a second level can always be decided)."""
    accounts.create_user("logistics2", PASSWORD, "logistics", runtime.uow(), department_code="LOG")
    return client


def _user_id(runtime, username: str) -> int:
    with runtime.uow() as uow:
        return uow.session.scalar(select(accounts.User.id).where(accounts.User.username == username))


def _set_role(runtime, username: str, role: str) -> None:
    with runtime.uow() as uow:
        user = uow.session.scalar(select(accounts.User).where(accounts.User.username == username))
        user.role = role
        uow.commit()


def _delegate(client, delegator: str, delegate: str) -> dict:
    status, body = client.post(delegator, "/api/v1/delegations",
                               {"delegate": delegate, "starts_at": utcnow().isoformat(), "ends_at": at(5, 18)})
    assert status == 201, body
    return body


def _supply_in_dept_review(client) -> dict:
    lines = [{"item_id": client.item_id(l["sku"]), "quantity": l["quantity"]} for l in AIR_CONDITIONERS]
    status, req = client.post("staff1", SUPPLY, {"purpose": "Cooling for the archive", "lines": lines})
    assert status == 201, req
    status, req = client.post("staff1", f"{SUPPLY}/{req['id']}/actions/submit", {"version": req["version"]})
    assert status == 200 and req["status"] == "dept_review", req
    return req


def _trip_in_requested(client) -> dict:
    # Beyond the county limit (VU-LONG): the trip needs the second level too.
    status, req = client.post("staff1", TRIPS, trip_body(distance_km="80", destination="Provincial archive"))
    assert status == 201 and req["status"] == "requested" and req["needs_office_review"], req
    return req


def _act(client, base: str, user: str, req: dict, action: str, **extra):
    return client.post(user, f"{base}/{req['id']}/actions/{action}", {"version": req["version"], **extra})


def _ok(client, base, user, req, action, expect):
    status, body = _act(client, base, user, req, action)
    assert status == 200 and body["status"] == expect, body
    return body


def _events(runtime, kind: str, req_id: int) -> int:
    with runtime.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity_type == kind, AuditEvent.entity_id == req_id))


def _refused_same_approver(client, runtime, base, kind, user, req, action="approve"):
    """The action is a 403 `same_approver`, and nothing about the request changed."""
    before = _events(runtime, kind, req["id"])
    extra = {"comment": "not mine to decide"} if action in ("return", "reject") else {}
    status, err = _act(client, base, user, req, action, **extra)
    assert status == 403 and err["code"] == "same_approver", err
    status, now = client.get("staff1", f"{base}/{req['id']}")
    assert (now["status"], now["version"]) == ("office_review", req["version"])
    assert _events(runtime, kind, req["id"]) == before


# ---- two levels, two people ---------------------------------------------------------------------

@pytest.mark.parametrize("base,kind,first", [(SUPPLY, "supply_request", _supply_in_dept_review),
                                              (TRIPS, "trip_request", _trip_in_requested)], ids=["supply", "trip"])
def test_a_delegate_who_decided_the_first_level_cannot_decide_the_second(office, runtime, base, kind, first):
    # head1's approvals go to logistics, who approves level 1 for head1 ...
    _delegate(office, "head1", "logistics")
    req = _ok(office, base, "logistics", first(office), "approve", "office_review")
    # ... and may then neither approve, return nor reject level 2 in their own right.
    for action in ("approve", "return", "reject"):
        _refused_same_approver(office, runtime, base, kind, "logistics", req, action)
    done = _ok(office, base, "logistics2", req, "approve", "approved")
    status, history = office.get("staff1", f"{base}/{done['id']}/history")
    decisions = [(e["from_state"], e["actor"], e["on_behalf_of"]) for e in history if e["action"] == "approve"]
    assert decisions[-2:] == [(decisions[-2][0], "logistics", "head1"), ("office_review", "logistics2", None)]


@pytest.mark.parametrize("base,kind,first", [(SUPPLY, "supply_request", _supply_in_dept_review),
                                              (TRIPS, "trip_request", _trip_in_requested)], ids=["supply", "trip"])
def test_a_head_who_approved_the_first_level_and_then_became_logistics_cannot_approve_the_second(
        office, runtime, base, kind, first):
    req = _ok(office, base, "head1", first(office), "approve", "office_review")
    _set_role(runtime, "head1", "logistics")
    _refused_same_approver(office, runtime, base, kind, "head1", req)
    _ok(office, base, "logistics", req, "approve", "approved")


def test_the_issues_example_head1_as_logistics_delegate_is_refused_whatever_the_delegation_table_says(
        office, runtime, monkeypatch):
    req = _ok(office, SUPPLY, "head1", _supply_in_dept_review(office), "approve", "office_review")
    # Under the office's rules logistics cannot hand its approvals to a head at all ...
    status, err = office.post("logistics", "/api/v1/delegations",
                              {"delegate": "head1", "starts_at": utcnow().isoformat(), "ends_at": at(3, 9)})
    assert status == 422 and err["code"] == "delegate_not_eligible", err
    # ... and a row written behind the rules' back gives head1 nothing either.
    with runtime.uow() as uow:
        uow.session.add(Delegation(delegator_id=_user_id(runtime, "logistics"), delegate_id=_user_id(runtime, "head1"),
                                   starts_at=utcnow() - dt.timedelta(hours=1), ends_at=utcnow() + dt.timedelta(days=1),
                                   created_at=utcnow()))
        uow.commit()
    status, err = _act(office, SUPPLY, "head1", req, "approve")
    assert status == 403, err
    # Even were the eligibility rule widened, the two-people rule holds on its own.
    monkeypatch.setitem(delegation.ELIGIBLE_DELEGATES, "logistics", ("logistics", "dept_head"))
    _refused_same_approver(office, runtime, SUPPLY, "supply_request", "head1", req)
    _ok(office, SUPPLY, "logistics", req, "approve", "approved")


def test_the_person_a_delegate_acted_for_at_the_first_level_cannot_act_at_the_second_through_anyone(
        office, runtime, monkeypatch):
    # Widened eligibility (a logistics delegate who is a head): head2 acts for head1 at level 1,
    # then head1 tries level 2 as logistics' delegate: the principal of level 1 is head1.
    monkeypatch.setitem(delegation.ELIGIBLE_DELEGATES, "logistics", ("logistics", "dept_head"))
    _delegate(office, "head1", "head2")
    _delegate(office, "logistics", "head1")
    req = _ok(office, SUPPLY, "head2", _supply_in_dept_review(office), "approve", "office_review")
    _refused_same_approver(office, runtime, SUPPLY, "supply_request", "head1", req)
    # head2 (who acted at level 1 for head1) cannot get at level 2 through logistics either.
    _delegate(office, "logistics", "head2")
    _refused_same_approver(office, runtime, SUPPLY, "supply_request", "head2", req)
    _ok(office, SUPPLY, "logistics2", req, "approve", "approved")


def test_an_escalated_item_is_not_decided_at_the_second_level_by_whoever_decided_its_first(office, runtime):
    _delegate(office, "head1", "logistics")
    # Round one: logistics, for head1, returns the request at level 1; the requester sends it again.
    req = _supply_in_dept_review(office)
    status, req = _act(office, SUPPLY, "logistics", req, "return", comment="Say which room")
    assert status == 200 and req["status"] == "returned", req
    req = _ok(office, SUPPLY, "staff1", req, "resubmit", "dept_review")
    # Round two: nobody decides in time, the system escalates it to the second level.
    assert remind_and_escalate(runtime.uow(), now=utcnow() + dt.timedelta(days=30))["escalated"] == 1
    status, req = office.get("staff1", f"{SUPPLY}/{req['id']}")
    assert req["status"] == "office_review", req
    _refused_same_approver(office, runtime, SUPPLY, "supply_request", "logistics", req)
    _ok(office, SUPPLY, "logistics2", req, "approve", "approved")


def test_an_escalated_item_nobody_decided_is_approved_by_logistics(office, runtime):
    req = _trip_in_requested(office)
    assert remind_and_escalate(runtime.uow(), now=utcnow() + dt.timedelta(days=30))["escalated"] == 1
    status, req = office.get("staff1", f"{TRIPS}/{req['id']}")
    _ok(office, TRIPS, "logistics", req, "approve", "approved")


def test_different_people_at_the_two_levels_still_approve_directly_and_for_each_other(office, runtime):
    req = _ok(office, SUPPLY, "head1", _supply_in_dept_review(office), "approve", "office_review")
    _ok(office, SUPPLY, "logistics", req, "approve", "approved")
    # A logistics user acting for another logistics user at level 2 is still a second person.
    _delegate(office, "logistics", "logistics2")
    req = _ok(office, SUPPLY, "head1", _supply_in_dept_review(office), "approve", "office_review")
    _ok(office, SUPPLY, "logistics2", req, "approve", "approved")


# ---- who may receive a delegation --------------------------------------------------------------

@pytest.mark.parametrize("delegator,delegate,status,code", [
    ("head1", "head2", 201, None),                     # another department's head
    ("head1", "logistics", 201, None),
    ("logistics", "logistics2", 201, None),
    ("head1", "staff1", 422, "delegate_not_eligible"),  # the head's own staff
    ("head1", "staff2", 422, "delegate_not_eligible"),  # another department's staff
    ("head1", "finance", 422, "delegate_not_eligible"),
    ("head1", "admin", 422, "delegate_not_eligible"),
    ("logistics", "head1", 422, "delegate_not_eligible"),
    ("logistics", "admin", 422, "delegate_not_eligible"),  # an administrator approves nothing
    ("logistics", "buyer", 422, "delegate_not_eligible"),
    ("staff1", "head1", 403, "forbidden"),
])
def test_a_delegation_goes_only_to_who_may_hold_the_approving_role(office, delegator, delegate, status, code):
    got, body = office.post(delegator, "/api/v1/delegations",
                            {"delegate": delegate, "starts_at": at(1, 9), "ends_at": at(2, 9)})
    assert got == status, body
    if code:
        assert body["code"] == code and (code == "forbidden" or "delegate" in body["errors"]), body
    mine = office.get(delegator, "/api/v1/delegations")[1]
    assert [d["delegate"] for d in mine] == ([delegate] if status == 201 else [])


def test_a_delegate_whose_role_changed_loses_the_delegation(office, runtime):
    _delegate(office, "head1", "head2")
    req = _supply_in_dept_review(office)
    assert [i["id"] for i in office.get("head2", "/api/v1/queue")[1]["items"]] == [req["id"]]
    _set_role(runtime, "head2", "staff")
    assert office.get("head2", "/api/v1/queue")[1]["items"] == []
    status, err = _act(office, SUPPLY, "head2", req, "approve")
    assert status in (403, 404), err


# ---- the period: capped, not in the past (the service's own rules: tests/services/) -------------

def test_the_api_answers_422_with_the_codes_and_saves_nothing(office):
    cases = [({"starts_at": at(-1, 9), "ends_at": at(2, 9)}, "delegation_in_past", "starts_at"),
             ({"starts_at": at(1, 9), "ends_at": at(120, 9)}, "delegation_too_long", "ends_at")]
    for period, code, field in cases:
        status, err = office.post("head1", "/api/v1/delegations", {"delegate": "head2", **period})
        assert status == 422 and err["code"] == code and field in err["errors"], err
    assert office.get("head1", "/api/v1/delegations")[1] == []
