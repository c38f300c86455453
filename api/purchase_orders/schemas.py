"""Schemas of purchase orders and deliveries."""
from marshmallow import fields, validate

from api.fields import not_blank, ID_MAX, Money, OfficeDateTime, OrderedQuantity, PageQuerySchema, Quantity, StrictSchema, UnitPrice


class PurchaseOrderInSchema(StrictSchema):
    supplier = fields.String(required=True, validate=[validate.Length(1, 200), not_blank])
    line_ids = fields.List(fields.Integer(validate=validate.Range(1, ID_MAX)), required=True,
                           validate=validate.Length(1, 500))


class DeliveryLineSchema(StrictSchema):
    line_id = fields.Integer(required=True, validate=validate.Range(1, ID_MAX))
    quantity = OrderedQuantity(required=True)
    unit_price = UnitPrice(required=True)


class DeliveryInSchema(StrictSchema):
    lines = fields.List(fields.Nested(DeliveryLineSchema), required=True, validate=validate.Length(1, 500))


class OrderLineSchema(StrictSchema):
    line_id = fields.Integer()
    request_id = fields.Integer()
    request_number = fields.String()
    item_id = fields.Integer(allow_none=True)
    description = fields.String()
    unit = fields.String()
    quantity = Quantity()
    unit_price = Money()
    received_quantity = Quantity()
    spend = Money()


class PurchaseOrderSchema(StrictSchema):
    id = fields.Integer()
    number = fields.String()
    supplier = fields.String()
    status = fields.String(metadata={"enum": ["placed", "partially_received", "received"]})
    total = Money()
    spend = Money()
    created_at = OfficeDateTime()
    created_by_id = fields.Integer()
    lines = fields.List(fields.Nested(OrderLineSchema))


class PurchaseOrderQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(["placed", "partially_received", "received"]))
    before_id = fields.Integer(validate=validate.Range(1, ID_MAX))
