"""/supply-requests: create, list, read, edit, act, history."""
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import BEARER, current_actor, uow
from api.fields import ApiErrorSchema
from api.openapi import link
from workflow.procurement import supply_requests as service

from .schemas import (ActionSchema, HistoryEventSchema, SupplyRequestInSchema, SupplyRequestPatchSchema,
                      SupplyRequestQuerySchema, SupplyRequestSchema)

blp = Blueprint("supply_requests", __name__, url_prefix="/api/v1/supply-requests",
                description="Office-supply requests and their approval flow")
ACTIONS = ("submit", "resubmit", "approve", "return", "reject", "cancel")


# What can follow an answer that carries a request: the OpenAPI links schemathesis' stateful
# phase (and a client) follows. The first line of an approved request can go on an order.
BY_ID, AT_VERSION = {"request_id": "$response.body#/id"}, {"version": "$response.body#/version"}
NEXT = {"links": {
    "ReadRequest": link("getSupplyRequest", BY_ID),
    "ReviseRequest": link("reviseSupplyRequest", BY_ID, AT_VERSION),
    "ActOnRequest": link("actOnSupplyRequest", BY_ID, AT_VERSION),
    # The way forward named, so that a chain can go on to an order (any action is one link away).
    "SubmitRequest": link("actOnSupplyRequest", {**BY_ID, "action": "submit"}, AT_VERSION),
    "ApproveRequest": link("actOnSupplyRequest", {**BY_ID, "action": "approve"}, AT_VERSION),
    "RequestHistory": link("getSupplyRequestHistory", BY_ID),
}}
AFTER_ACTION = {"links": {**NEXT["links"], "OrderFirstLine": link(
    "placePurchaseOrder", {}, {"line_ids": ["$response.body#/lines/0/id"]})}}


def to_lines(lines: list[dict]) -> list[service.LineInput]:
    return [service.LineInput(**line) for line in lines]


@blp.route("")
class SupplyRequests(MethodView):
    @blp.arguments(SupplyRequestQuerySchema, location="query", error_status_code=400)
    @blp.response(200, SupplyRequestSchema(many=True))
    @blp.doc(security=[BEARER])
    def get(self, query):
        """Requests the caller may see, newest first; page on with `before_id`."""
        return service.list_requests(current_actor(), uow(), **query)

    @blp.arguments(SupplyRequestInSchema)
    @blp.response(201, SupplyRequestSchema)
    @blp.alt_response(422, schema=ApiErrorSchema, description="Invalid input (per-field errors)")
    @blp.alt_response(403, schema=ApiErrorSchema, description="Only members of a department ask for supplies")
    @blp.doc(security=[BEARER], operationId="createSupplyRequest", responses={201: NEXT})
    def post(self, body):
        """Start a draft request."""
        return service.create_draft(body["purpose"], body.get("needed_by"), to_lines(body["lines"]),
                                    current_actor(), uow())


@blp.route("/<int:request_id>")
class SupplyRequest(MethodView):
    @blp.response(200, SupplyRequestSchema)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such request, or not yours to see")
    @blp.doc(security=[BEARER], operationId="getSupplyRequest")
    def get(self, request_id):
        return service.get_request(request_id, current_actor(), uow())

    @blp.arguments(SupplyRequestPatchSchema)
    @blp.response(200, SupplyRequestSchema)
    @blp.alt_response(409, schema=ApiErrorSchema, description="Stale version")
    @blp.alt_response(403, schema=ApiErrorSchema, description="Only the requester edits a request")
    @blp.alt_response(422, schema=ApiErrorSchema, description="Not editable in this status, or bad input")
    @blp.doc(security=[BEARER], operationId="reviseSupplyRequest", responses={200: NEXT})
    def patch(self, body, request_id):
        """Edit a draft or returned request; lines given replace the old ones."""
        version = body.pop("version")
        if "lines" in body:
            body["lines"] = to_lines(body["lines"])
        return service.revise_draft(request_id, version, body, current_actor(), uow())


@blp.route("/<int:request_id>/actions/<string:action>")
class SupplyRequestAction(MethodView):
    @blp.arguments(ActionSchema)
    @blp.response(200, SupplyRequestSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="Not entitled (e.g. your own request)")
    @blp.alt_response(409, schema=ApiErrorSchema, description="Stale version, or not allowed from this status")
    @blp.alt_response(422, schema=ApiErrorSchema, description="policy_blocked, justification_required, bad input")
    @blp.doc(security=[BEARER], operationId="actOnSupplyRequest", responses={200: AFTER_ACTION},
             parameters=[{"in": "path", "name": "action", "schema": {"type": "string", "enum": list(ACTIONS)}}])
    def post(self, body, request_id, action):
        """submit, resubmit, approve, return, reject or cancel, at the version you read."""
        return service.act(request_id, action, body["version"], current_actor(), uow(),
                           comment=body.get("comment"), justification=body.get("justification"))


@blp.route("/<int:request_id>/history")
class SupplyRequestHistory(MethodView):
    @blp.response(200, HistoryEventSchema(many=True))
    @blp.doc(security=[BEARER], operationId="getSupplyRequestHistory")
    def get(self, request_id):
        """The audit trail of the request, oldest first."""
        return service.request_history(request_id, current_actor(), uow())
