"""GET /queue: what the caller can act on now, oldest first."""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from api.auth import BEARER, current_actor, uow
from api.fields import Money, OfficeDateTime, PageQuerySchema, Quantity, StrictSchema
from workflow import queue

blp = Blueprint("queue", __name__, url_prefix="/api/v1/queue", description="Work queues")


class QueueQuerySchema(PageQuerySchema):
    cursor = fields.String(validate=validate.Length(1, 200))


class QueueItemSchema(StrictSchema):
    kind = fields.String(metadata={"enum": ["supply_request", "supply_line"]})
    id = fields.Integer()
    number = fields.String()
    status = fields.String()
    purpose = fields.String()
    total = Money()
    version = fields.Integer()
    requester = fields.String()
    requester_name = fields.String()
    department = fields.String()
    request_id = fields.Integer()
    description = fields.String()
    category = fields.String()
    quantity = Quantity()
    unit = fields.String()
    unit_price = Money()
    supplier = fields.String(allow_none=True)
    item_id = fields.Integer(allow_none=True)
    waiting_since = OfficeDateTime()
    actions = fields.List(fields.String())


class QueuePageSchema(StrictSchema):
    items = fields.List(fields.Nested(QueueItemSchema))
    next_cursor = fields.String(allow_none=True)


@blp.route("")
class Queue(MethodView):
    @blp.arguments(QueueQuerySchema, location="query")
    @blp.response(200, QueuePageSchema)
    @blp.doc(security=[BEARER])
    def get(self, query):
        """Department heads: their department's first-level reviews; logistics: second-level reviews;
        procurement: approved lines not yet ordered."""
        return queue.my_queue(current_actor(), uow(), cursor=query.get("cursor"), limit=query["limit"])
