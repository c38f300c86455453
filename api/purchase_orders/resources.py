"""/purchase-orders: place (from approved lines), list, read, receive."""
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import BEARER, current_actor, uow
from api.fields import ApiErrorSchema
from api.openapi import link
from workflow.procurement import purchasing, receipts

from .schemas import (DeliveryInSchema, HeldReceiptSchema, PurchaseOrderInSchema, PurchaseOrderQuerySchema,
                      PurchaseOrderSchema, ReceiptDecisionSchema)

blp = Blueprint("purchase_orders", __name__, url_prefix="/api/v1/purchase-orders",
                description="Unified purchasing")
# What can follow an answer that carries an order (OpenAPI links, followed by schemathesis).
NEXT = {"links": {"ReadOrder": link("getPurchaseOrder", {"po_id": "$response.body#/id"}),
                  # What arrived: the first line, all of it (its price is the generator's).
                  "ReceiveOrder": link("receivePurchaseOrder", {"po_id": "$response.body#/id"}, {"lines": [
                      {"line_id": "$response.body#/lines/0/line_id",
                       "quantity": "$response.body#/lines/0/quantity"}]})}}


@blp.route("")
class PurchaseOrders(MethodView):
    @blp.arguments(PurchaseOrderQuerySchema, location="query", error_status_code=400)
    @blp.response(200, PurchaseOrderSchema(many=True))
    @blp.alt_response(403, schema=ApiErrorSchema, description="For procurement, finance, logistics and administrators")
    @blp.doc(security=[BEARER])
    def get(self, query):
        return purchasing.list_orders(current_actor(), uow(), **query)

    @blp.arguments(PurchaseOrderInSchema)
    @blp.response(201, PurchaseOrderSchema)
    @blp.alt_response(422, schema=ApiErrorSchema, description="Lines that cannot be ordered")
    @blp.alt_response(403, schema=ApiErrorSchema, description="The procurement officer only")
    @blp.doc(security=[BEARER], operationId="placePurchaseOrder", responses={201: NEXT})
    def post(self, body):
        """Order approved lines of one or more requests from one supplier."""
        return purchasing.place_order(body["supplier"], body["line_ids"], current_actor(), uow())


@blp.route("/<int:po_id>")
class PurchaseOrder(MethodView):
    @blp.response(200, PurchaseOrderSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="For procurement, finance, logistics and administrators")
    @blp.doc(security=[BEARER], operationId="getPurchaseOrder")
    def get(self, po_id):
        return purchasing.get_order(po_id, current_actor(), uow())


@blp.route("/<int:po_id>/receive")
class Receive(MethodView):
    @blp.arguments(DeliveryInSchema)
    @blp.response(200, PurchaseOrderSchema)
    @blp.alt_response(202, schema=PurchaseOrderSchema,
                      description="Received, but held (all or part, see receipt_status and held) for logistics")
    @blp.alt_response(422, schema=ApiErrorSchema, description="Quantities that do not match the order")
    @blp.alt_response(403, schema=ApiErrorSchema, description="The procurement officer only")
    @blp.doc(security=[BEARER], operationId="receivePurchaseOrder", responses={200: NEXT})
    def post(self, body, po_id):
        """Record what arrived and what it really cost.

        A line whose real amount exceeds its approved amount by more than the policy's
        receipt_tolerance_pct, or that brings a first-level request to the second-level threshold,
        is held: 202, receipt_status `held` or `partly_held`, and the held deliveries listed under
        `held` until logistics accepts or rejects them.
        """
        order = purchasing.receive(po_id, body["lines"], current_actor(), uow())
        return order, (200 if order["receipt_status"] == "accepted" else 202)


@blp.route("/held-receipts")
class HeldReceipts(MethodView):
    @blp.response(200, HeldReceiptSchema(many=True))
    @blp.alt_response(403, schema=ApiErrorSchema, description="Logistics only")
    @blp.doc(security=[BEARER])
    def get(self):
        """Receipts above their approval waiting for logistics, oldest first (also in logistics' queue)."""
        return receipts.list_held(current_actor(), uow())


@blp.route("/held-receipts/<int:delivery_id>/<string:action>")
class HeldReceiptDecision(MethodView):
    @blp.arguments(ReceiptDecisionSchema)
    @blp.response(200, HeldReceiptSchema)
    @blp.alt_response(403, schema=ApiErrorSchema, description="Logistics only, never on their own request")
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such delivery or decision")
    @blp.alt_response(409, schema=ApiErrorSchema, description="Not held (already decided)")
    @blp.doc(security=[BEARER], operationId="decideHeldReceipt",
             parameters=[{"in": "path", "name": "action", "schema": {"type": "string", "enum": list(receipts.DECISIONS)}}])
    def post(self, body, delivery_id, action):
        """accept (the amount becomes spend) or reject (it never counts), with a comment; audited."""
        return receipts.decide(delivery_id, action, body["comment"], current_actor(), uow())
