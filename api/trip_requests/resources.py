"""/trip-requests: file, list, read, edit, act, history, candidates, carpool."""
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import BEARER, current_actor, uow
from api.fields import ApiErrorSchema
from api.openapi import link
from api.supply_requests.schemas import HistoryEventSchema
from workflow.vehicles import dispatch, trip_requests

from .schemas import (CandidatesSchema, CarpoolSchema, TripActionSchema, TripRequestInSchema,
                      TripRequestPatchSchema, TripRequestQuerySchema, TripRequestSchema)

blp = Blueprint("trip_requests", __name__, url_prefix="/api/v1/trip-requests",
                description="Official-vehicle requests, dispatch and trips")
DOC = {"security": [BEARER]}
# What can follow an answer that carries a trip request (OpenAPI links, followed by schemathesis).
BY_ID, AT_VERSION = {"request_id": "$response.body#/id"}, {"version": "$response.body#/version"}
NEXT = {"links": {
    "ReadTrip": link("getTripRequest", BY_ID),
    "ReviseTrip": link("reviseTripRequest", BY_ID, AT_VERSION),
    "ActOnTrip": link("actOnTripRequest", BY_ID, AT_VERSION),
    "TripHistory": link("getTripRequestHistory", BY_ID),
    "TripCandidates": link("getTripCandidates", BY_ID),
    "TripCarpool": link("getTripCarpool", BY_ID),
    "ApproveTrip": link("actOnTripRequest", {**BY_ID, "action": "approve"}, AT_VERSION),
}}
# The first ranked vehicle and free driver can be dispatched on the request asked about.
DISPATCH_FIRST = {"links": {"DispatchFirst": link(
    "actOnTripRequest", {"request_id": "$request.path.request_id", "action": "dispatch"},
    {"vehicle_id": "$response.body#/vehicles/0/id", "driver_id": "$response.body#/drivers/0/id"})}}


@blp.route("")
class TripRequests(MethodView):
    @blp.arguments(TripRequestQuerySchema, location="query", error_status_code=400)
    @blp.response(200, TripRequestSchema(many=True))
    @blp.doc(**DOC)
    def get(self, query):
        return trip_requests.list_requests(current_actor(), uow(), **query)

    @blp.arguments(TripRequestInSchema)
    @blp.response(201, TripRequestSchema)
    @blp.alt_response(422, schema=ApiErrorSchema,
                      description="policy_blocked (walk, cycle or take the bus), justification_required, bad input")
    @blp.alt_response(403, schema=ApiErrorSchema, description="Only members of a department ask for a vehicle")
    @blp.doc(**DOC, operationId="fileTripRequest", responses={201: NEXT})
    def post(self, body):
        """Ask for an official vehicle; the green-travel rule is checked at once."""
        return trip_requests.file_request(trip_requests.TripInput(**body), current_actor(), uow())


@blp.route("/<int:request_id>")
class TripRequest(MethodView):
    @blp.response(200, TripRequestSchema)
    @blp.doc(**DOC, operationId="getTripRequest")
    def get(self, request_id):
        return trip_requests.get_request(request_id, current_actor(), uow())

    @blp.arguments(TripRequestPatchSchema)
    @blp.response(200, TripRequestSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="Only the requester edits a trip request")
    @blp.alt_response(409, schema=ApiErrorSchema, description="Stale version")
    @blp.alt_response(422, schema=ApiErrorSchema, description="Not editable in this status, or bad input")
    @blp.doc(**DOC, operationId="reviseTripRequest", responses={200: NEXT})
    def patch(self, body, request_id):
        """Edit a request that was sent back, then resubmit it."""
        version = body.pop("version")
        return trip_requests.revise_request(request_id, version, body, current_actor(), uow())


@blp.route("/<int:request_id>/actions/<string:action>")
class TripAction(MethodView):
    @blp.arguments(TripActionSchema)
    @blp.response(200, TripRequestSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="Not entitled")
    @blp.alt_response(409, schema=ApiErrorSchema, description="Stale version, illegal step, or a booking clash")
    @blp.alt_response(422, schema=ApiErrorSchema, description="Bad input")
    @blp.doc(**DOC, operationId="actOnTripRequest", responses={200: NEXT}, parameters=[{"in": "path", "name": "action",
                                 "schema": {"type": "string", "enum": list(dispatch.ACTIONS)}}])
    def post(self, body, request_id, action):
        """approve, return, reject, cancel, resubmit; dispatch (vehicle_id, driver_id, carpool_ids);
        depart (odometer_km); arrive (odometer_km, energy_used, fuel_cost, tolls, parking); close."""
        return dispatch.act(request_id, action, body, current_actor(), uow())


@blp.route("/<int:request_id>/history")
class TripHistory(MethodView):
    @blp.response(200, HistoryEventSchema(many=True))
    @blp.doc(**DOC, operationId="getTripRequestHistory")
    def get(self, request_id):
        return trip_requests.request_history(request_id, current_actor(), uow())


@blp.route("/<int:request_id>/candidates")
class Candidates(MethodView):
    @blp.response(200, CandidatesSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="For the fleet manager, administrators and logistics")
    @blp.doc(**DOC, operationId="getTripCandidates", responses={200: DISPATCH_FIRST})
    def get(self, request_id):
        """Vehicles ranked for this trip (seats, free, new-energy in range first, then cost) and free drivers."""
        return dispatch.candidates(request_id, current_actor(), uow())


@blp.route("/<int:request_id>/carpool")
class Carpool(MethodView):
    @blp.response(200, CarpoolSchema(many=True))
    @blp.alt_response(403, schema=ApiErrorSchema, description="For the fleet manager, administrators and logistics")
    @blp.doc(**DOC, operationId="getTripCarpool")
    def get(self, request_id):
        """Approved requests to the same destination at overlapping times."""
        return dispatch.carpool(request_id, current_actor(), uow())
