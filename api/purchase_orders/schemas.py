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


class HeldReceiptSchema(StrictSchema):
    """One delivery of one line: held ones wait for logistics (see workflow/procurement/receipts.py)."""
    id = fields.Integer()
    purchase_order_id = fields.Integer()
    line_id = fields.Integer()
    quantity = Quantity()
    unit_price = Money()
    amount = Money()
    status = fields.String(metadata={"enum": ["accepted", "held", "rejected"]})
    hold_reasons = fields.List(fields.String(metadata={"enum": ["above_tolerance", "second_level"]}))
    received_at = OfficeDateTime()
    received_by_id = fields.Integer()
    decided_by_id = fields.Integer(allow_none=True)
    decided_at = OfficeDateTime(allow_none=True)
    decision_comment = fields.String(allow_none=True)


class ReceiptDecisionSchema(StrictSchema):
    comment = fields.String(required=True, validate=validate.Length(1, 2000))


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
    held = fields.List(fields.Nested(HeldReceiptSchema),
                       metadata={"description": "Deliveries waiting for logistics: not received, not spend."})
    receipt_status = fields.String(metadata={"enum": ["accepted", "held", "partly_held"],
                                             "description": "In the answer to a receipt only."})


class PurchaseOrderQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(["placed", "partially_received", "received"]))
    before_id = fields.Integer(validate=validate.Range(1, ID_MAX))
