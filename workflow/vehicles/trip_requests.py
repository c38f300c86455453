"""Services of the vehicle flow: its declaration (TRIP_FLOW), filing, revision, review, reading and history."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from policies import Outcome
from policies.travel import TripFacts, evaluate_trip

from . import trip_steps
from workflow.kernel.access import OFFICE_WIDE_READERS, Actor, visible
from workflow.approvals import kernel
from workflow.approvals.flow import REQUESTER, REVIEWER, Flow, StepResult, due_in_working_days
from workflow.approvals.kernel import KeepAndRefuse
from workflow.procurement.compliance import finding_view
from workflow.kernel.db import utcnow
from workflow.kernel.errors import Forbidden, InvalidInput, JustificationRequired, PolicyBlocked, StaleVersion
from workflow.kernel.machines import allowed
from workflow.people.accounts import Department, User
from .model import TRIP_MACHINE, queue_item, Trip, TripRequest, destination_key

# The buyer reads every supply request to order it, but has no business with anyone's trips.
TRIP_READERS = (OFFICE_WIDE_READERS - {"procurement"}) | {"fleet"}


@dataclass
class TripInput:
    purpose_category: str
    purpose: str
    origin: str
    destination: str
    depart_at: dt.datetime
    return_at: dt.datetime
    passengers: int
    distance_km: Decimal | None = None
    destination_id: int | None = None
    cargo: str = ""
    exemption: str | None = None
    exemption_note: str | None = None


def _driver_of(uow, req: TripRequest, actor: Actor) -> bool:
    """The driver of the request's trip reads it too."""
    return uow.trip_requests.driver_user(req) == actor.id


def view(uow, req: TripRequest, actor: Actor) -> dict:
    requester = uow.reads.get(User, req.requester_id)
    dep = uow.reads.get(Department, req.department_id)
    trip = uow.trips.get(req.trip_id) if req.trip_id else None
    return {
        "id": req.id, "number": req.number, "status": req.status, "version": req.version,
        "purpose_category": req.purpose_category, "purpose": req.purpose, "origin": req.origin,
        "destination": req.destination, "destination_id": req.destination_id, "distance_km": req.distance_km,
        "passengers": req.passengers, "cargo": req.cargo, "depart_at": req.depart_at, "return_at": req.return_at,
        "exemption": req.exemption, "exemption_note": req.exemption_note,
        "needs_office_review": req.needs_office_review, "policy_version": req.policy_version,
        "requester": {"id": requester.id, "username": requester.username, "full_name": requester.full_name},
        "department": {"id": dep.id, "code": dep.code, "name": dep.name, "name_zh": dep.name_zh},
        "findings": [_stored_finding_view(f, actor.language) for f in req.findings],
        "trip": trip_view(trip) if trip else None,
        "created_at": req.created_at, "updated_at": req.updated_at,
        "allowed_actions": allowed(TRIP_MACHINE, req.status),
    }


def trip_view(trip: Trip) -> dict:
    return {"id": trip.id, "vehicle_id": trip.vehicle_id, "driver_id": trip.driver_id, "status": trip.status,
            "starts_at": trip.starts_at, "ends_at": trip.ends_at, "depart_odometer_km": trip.depart_odometer_km,
            "arrive_odometer_km": trip.arrive_odometer_km, "distance_km": trip.distance_km,
            "energy_used": trip.energy_used, "fuel_cost": trip.fuel_cost, "tolls": trip.tolls,
            "parking": trip.parking, "per_100km": trip.per_100km, "fuel_anomaly": trip.fuel_anomaly,
            "departed_at": trip.departed_at, "arrived_at": trip.arrived_at, "closed_at": trip.closed_at}


class _Stored:
    def __init__(self, d: dict):
        self.__dict__.update(d)


def _stored_finding_view(d: dict, language: str) -> dict:
    return finding_view(_Stored(d), language)


def get_request(request_id: int, actor: Actor, uow) -> dict:
    return kernel.get(TRIP_FLOW, request_id, actor, uow)


def list_requests(actor: Actor, uow, *, status=None, before_id=None, limit=50) -> list[dict]:
    with uow:
        stmt = visible(select(TripRequest), TripRequest, actor, TRIP_READERS)
        if status:
            stmt = stmt.where(TripRequest.status == status)
        if before_id:
            stmt = stmt.where(TripRequest.id < before_id)
        rows = uow.reads.scalars(stmt.order_by(TripRequest.id.desc()).limit(limit)).all()
        return [view(uow, r, actor) for r in rows]


def request_history(request_id: int, actor: Actor, uow) -> list[dict]:
    return kernel.history(TRIP_FLOW, request_id, actor, uow)


# ---- filing --------------------------------------------------------------------------------

def _fill_distance(uow, given: TripInput) -> None:
    if given.destination_id is not None:
        dest = uow.destinations.get(given.destination_id)
        if dest is None or not dest.active:
            raise InvalidInput("unknown destination", {"destination_id": ["Unknown common destination."]})
        if given.distance_km is None:
            given.distance_km = dest.distance_km
    if given.distance_km is None:
        raise InvalidInput("distance needed", {"distance_km": ["Give the one-way distance, or a destination_id."]})


def _check_period(depart_at: dt.datetime, return_at: dt.datetime, doc, *, departure_given: bool = True) -> None:
    """A departure still to come, a return after it, and no longer than the policy's longest trip."""
    if departure_given and depart_at < utcnow():
        raise InvalidInput("departure in the past", {"depart_at": ["Must not be in the past."]})
    if return_at <= depart_at:
        raise InvalidInput("return before departure", {"return_at": ["Must be after depart_at."]})
    days = doc.travel["max_trip_days"]
    if return_at - depart_at > dt.timedelta(days=float(days)):
        raise InvalidInput("trip too long", {"return_at": [f"At most {days} days after depart_at."]})


def _evaluate(req: TripRequest, doc, actor: Actor):
    """The policy's findings on the request, kept on it; the blocking ones, if any."""
    findings = evaluate_trip(TripFacts(req.distance_km, req.purpose_category, req.exemption), doc)
    req.findings = [f.as_dict() for f in findings]
    req.policy_version = doc.version
    blocked = [f for f in findings if f.outcome is Outcome.BLOCK]
    if blocked:
        return blocked
    needs = any(f.outcome is Outcome.EXCEPTION for f in findings)
    if needs and req.exemption and not (req.exemption_note or "").strip() and any(
            f.rule_id == "VU-135" and f.outcome is Outcome.EXCEPTION for f in findings):
        raise JustificationRequired("say why the exemption applies", {"exemption_note": ["Required with an exemption."]})
    req.needs_office_review = needs
    return []


def _refuse(uow, req: TripRequest, blocked, actor: Actor) -> PolicyBlocked:
    """Keep the refused trip as an avoided car trip (the caller commits), and the 422 to answer.

    Counted once per requester, destination and day of the trip: sent again, it adds nothing.
    """
    mode = next((f.params.get("mode") for f in blocked if f.rule_id == "VU-135"), None)
    if mode:
        uow.avoided_trips.keep(
            requester_id=req.requester_id, department_id=req.department_id,
            purpose_category=req.purpose_category, destination=req.destination,
            distance_km=req.distance_km, suggested_mode=mode, policy_version=uow.policy_document.version,
            created_at=utcnow(), destination_key=destination_key(req.destination),
            trip_day=req.depart_at.astimezone(uow.office_tz).date())
    return PolicyBlocked("a policy refuses this trip by car",
                         findings=[_stored_finding_view(d, actor.language) for d in req.findings])


def _skip_dept(uow, req: TripRequest) -> bool:
    """A department head's own trip skips the department's review."""
    requester = uow.reads.get(User, req.requester_id)
    return requester.role == "dept_head" and requester.department_id == req.department_id


def file_request(given: TripInput, actor: Actor, uow) -> dict:
    """File a trip request: it is checked at once and goes to its first reviewer, or is refused."""
    if actor.department_id is None:
        raise Forbidden("only members of a department ask for a vehicle")
    with uow:
        doc = uow.policy_document
        _fill_distance(uow, given)
        _check_period(given.depart_at, given.return_at, doc)
        now = utcnow()
        # Version 0 until the submission below, which makes it 1: filing is one step for the requester.
        req = TripRequest(version=0, requester_id=actor.id, department_id=actor.department_id, status="new",
                          purpose_category=given.purpose_category, purpose=given.purpose, origin=given.origin,
                          destination=given.destination, destination_id=given.destination_id,
                          distance_km=given.distance_km, passengers=given.passengers, cargo=given.cargo or "",
                          depart_at=given.depart_at, return_at=given.return_at, exemption=given.exemption,
                          exemption_note=given.exemption_note, created_at=now, updated_at=now,
                          status_changed_at=now, findings=[])
        blocked = _evaluate(req, doc, actor)
        if blocked:
            refusal = _refuse(uow, req, blocked, actor)
            uow.commit()  # only the avoided trip is kept; no request row
            raise refusal
        uow.trip_requests.add(req, uow.office_year(now))
        kernel.move(TRIP_FLOW, uow, req, "submit", actor, recorded_from=None,
                    context={"skip_dept": _skip_dept(uow, req), "needs_office": req.needs_office_review})
        answer = view(uow, req, actor)
        uow.commit()
        return answer


def revise_request(request_id: int, version: int, changes: dict, actor: Actor, uow) -> dict:
    with uow:
        req = kernel.load(TRIP_FLOW, uow, request_id, actor, lock=True)
        if req.requester_id != actor.id:
            raise Forbidden("only the requester edits a trip request")
        if req.version != version:
            raise StaleVersion("the trip request changed since you read it", current_version=req.version)
        if req.status != "sent_back":
            raise InvalidInput("only returned trip requests can be edited",
                               {"status": [f"Cannot edit a trip request in status {req.status}."]})
        for name, value in changes.items():
            setattr(req, name, value)
        if "destination_id" in changes and "distance_km" not in changes and req.destination_id:
            dest = uow.destinations.get(req.destination_id)
            if dest is None:
                raise InvalidInput("unknown destination", {"destination_id": ["Unknown common destination."]})
            req.distance_km = dest.distance_km
        if {"depart_at", "return_at"} & set(changes):
            _check_period(req.depart_at, req.return_at, uow.policy_document, departure_given="depart_at" in changes)
        req.version, req.updated_at = version + 1, utcnow()
        uow.trip_requests.save(req, version, tuple(changes) + ("version", "updated_at"))
        uow.record("trip_request", req.id, "edit", actor, from_state=req.status, to_state=req.status,
                     data={"fields": sorted(changes)})
        answer = view(uow, req, actor)
        uow.commit()
        return answer


# ---- the flow's own steps ------------------------------------------------------------------

def _resubmit(uow, req: TripRequest, actor: Actor, details: dict) -> StepResult:
    """Checked again as when filed: refused (kept as an avoided trip), or on to its first reviewer."""
    blocked = _evaluate(req, uow.policy_document, actor)
    if blocked:
        raise KeepAndRefuse(_refuse(uow, req, blocked, actor))
    return StepResult(context={"skip_dept": _skip_dept(uow, req)})


def _free_trip(uow, req: TripRequest, action: str) -> tuple[str, ...]:
    """A cancelled request leaves its trip; a trip left with no request frees its vehicle and driver."""
    if req.trip_id is None:
        return ()
    trip_id, req.trip_id = req.trip_id, None
    if not [r for r in uow.trip_requests.of_trip(trip_id) if r.id != req.id]:
        trip = uow.trips.get(trip_id)
        trip.active, trip.status = False, "cancelled"
    return ("trip_id",)


def _requester_or_fleet(uow, req: TripRequest, actor: Actor) -> bool:
    return req.requester_id == actor.id or actor.is_("fleet")


TRIP_FLOW = Flow(
    name="trip_request", label="trip request", metric="trip", path="trip-requests",
    machine=TRIP_MACHINE, store="trip_requests", model=TripRequest,
    first_level="requested", second_level="office_review", readers=TRIP_READERS,
    who={"resubmit": REQUESTER, "cancel": _requester_or_fleet,
         "approve": REVIEWER, "return": REVIEWER, "reject": REVIEWER,
         "dispatch": trip_steps.fleet_only, "depart": trip_steps.driver_or_fleet,
         "arrive": trip_steps.driver_or_fleet, "close": trip_steps.fleet_only},
    topics={"submit": "trip.requested", "resubmit": "trip.requested", "approve": "trip.advanced",
            "approve:final": "trip.approved", "return": "trip.returned", "reject": "trip.rejected",
            "cancel": "trip.cancelled"},
    review_states=("requested", "office_review"),
    steps={"resubmit": _resubmit, **trip_steps.STEPS},
    applied={"cancel": _free_trip},
    also_visible_to=_driver_of, view=view, queue_item=queue_item, due_at=due_in_working_days)


def act(request_id: int, action: str, body: dict, actor: Actor, uow) -> dict:
    """Any action on a trip request (the kernel's `act` on its declaration); `body` holds the version
    and the action's own fields (comment, vehicle and driver, odometer readings...)."""
    details = {k: v for k, v in body.items() if k != "version"}
    return kernel.act(TRIP_FLOW, request_id, action, body["version"], actor, uow, **details)
