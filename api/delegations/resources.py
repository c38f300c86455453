"""/delegations: hand your approvals to a colleague for a period; list; revoke."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from api.auth import BEARER, current_actor, uow
from api.fields import ApiErrorSchema, OfficeDateTime, StrictSchema
from api.openapi import link
from workflow.people import delegation

blp = Blueprint("delegations", __name__, url_prefix="/api/v1/delegations", description="Out-of-office delegation")
DOC = {"security": [BEARER]}


class DelegationInSchema(StrictSchema):
    delegate = fields.String(required=True, validate=validate.Length(1, 64), metadata={"description": "Username."})
    starts_at = OfficeDateTime(required=True)
    ends_at = OfficeDateTime(required=True)


class DelegationSchema(StrictSchema):
    id = fields.Integer()
    delegator = fields.String()
    delegate = fields.String()
    starts_at = OfficeDateTime()
    ends_at = OfficeDateTime()
    revoked_at = OfficeDateTime(allow_none=True)


@blp.route("")
class Delegations(MethodView):
    @blp.response(200, DelegationSchema(many=True))
    @blp.doc(**DOC)
    def get(self):
        """Delegations you gave and received."""
        return delegation.my_delegations(current_actor(), uow())

    @blp.arguments(DelegationInSchema)
    @blp.response(201, DelegationSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="Only approvers delegate their approvals")
    @blp.alt_response(422, schema=ApiErrorSchema, description=(
        "Refused delegation: delegate_not_eligible (a head's to a head or logistics, logistics' to logistics), "
        "delegation_too_long (beyond queue.delegation_max_days), delegation_in_past, or validation_error"))
    @blp.doc(**DOC, responses={201: {"links": {
        "RevokeDelegation": link("revokeDelegation", {"delegation_id": "$response.body#/id"})}}})
    def post(self, body):
        """While away, a colleague sees your review items and acts on your behalf (both are audited)."""
        return delegation.delegate(body["delegate"], body["starts_at"], body["ends_at"], current_actor(), uow())


@blp.route("/<int:delegation_id>")
class DelegationItem(MethodView):
    @blp.response(204)
    @blp.doc(**DOC, operationId="revokeDelegation")
    def delete(self, delegation_id):
        delegation.revoke(delegation_id, current_actor(), uow())
