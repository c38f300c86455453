"""GET /queue: what the caller can act on now, oldest first."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from api.auth import BEARER, current_actor, uow
from api.fields import Money, OfficeDateTime, PageQuerySchema, StrictSchema
from workflow.worklist import queue

blp = Blueprint("queue", __name__, url_prefix="/api/v1/queue", description="Work queues")


class QueueQuerySchema(PageQuerySchema):
    cursor = fields.String(validate=validate.Length(1, 200))


class QueueItemSchema(StrictSchema):
    kind = fields.String(metadata={"enum": list(queue.ACTIONS)})
    id = fields.Integer(metadata={"description": "The request's id; for supply_line, the line's id; for held_receipt, the delivery's id."})
    request_id = fields.Integer()
    number = fields.String()
    status = fields.String()
    title = fields.String(metadata={"description": "Purpose of the request, or the line's description."})
    amount = Money(allow_none=True)
    version = fields.Integer(metadata={"description": "The request's version, for the action."})
    requester = fields.String()
    department = fields.String()
    destination = fields.String(allow_none=True)
    depart_at = OfficeDateTime(allow_none=True)
    distance_km = fields.Decimal(as_string=True, allow_none=True)
    supplier = fields.String(allow_none=True)
    waiting_since = OfficeDateTime()
    actions = fields.List(fields.String())
    due_at = OfficeDateTime(metadata={"description": "Reviews: when a decision is due (working days)."})
    overdue = fields.Boolean()
    on_behalf_of = fields.String(allow_none=True, metadata={"description": "Delegated to you by this colleague."})


class QueuePageSchema(StrictSchema):
    items = fields.List(fields.Nested(QueueItemSchema))
    next_cursor = fields.String(allow_none=True)


@blp.route("")
class Queue(MethodView):
    @blp.arguments(QueueQuerySchema, location="query", error_status_code=400)
    @blp.response(200, QueuePageSchema)
    @blp.doc(security=[BEARER])
    def get(self, query):
        """Department heads: their department's first-level reviews; logistics: second-level reviews
        and held receipts (accept or reject at /purchase-orders/held-receipts/{id}/{action});
        procurement: approved lines not yet ordered; fleet: trips to dispatch and to close;
        drivers: today's trips."""
        return queue.my_queue(current_actor(), uow(), cursor=query.get("cursor"), limit=query["limit"])
