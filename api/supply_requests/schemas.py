"""Schemas of supply requests, their lines, findings and actions."""
from marshmallow import ValidationError, fields, validate, validates_schema

from api.fields import not_blank, ID_MAX, OfficeDate, Money, OfficeDateTime, OrderedQuantity, PageQuerySchema, Quantity, StrictSchema, UnitPrice
from workflow.procurement.catalog import CATEGORIES
from workflow.procurement.model import STATES

OFF_CATALOG = ("description", "category", "unit", "unit_price")


class AttributesSchema(StrictSchema):
    recyclable = fields.Boolean()
    recycled_content_pct = fields.Integer(validate=validate.Range(0, 100))
    single_use = fields.Boolean()
    plastic = fields.Boolean()
    biodegradable = fields.Boolean()
    remanufactured = fields.Boolean()
    led = fields.Boolean()
    energy_grade = fields.Integer(allow_none=True, validate=validate.Range(1, 5))
    water_saving = fields.Boolean()
    green_listed = fields.Boolean()


class LineInSchema(StrictSchema):
    item_id = fields.Integer(validate=validate.Range(1, ID_MAX))
    quantity = OrderedQuantity(required=True)
    description = fields.String(validate=[validate.Length(1, 200), not_blank])
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    unit = fields.String(validate=[validate.Length(1, 32), not_blank])
    unit_price = UnitPrice()
    attributes = fields.Nested(AttributesSchema)
    swapped_from_item_id = fields.Integer(validate=validate.Range(1, ID_MAX),
                                          metadata={"description": "The catalog item this line replaced after a suggestion."})

    @validates_schema
    def catalog_or_described(self, data, **kwargs):
        # A unit_price beside an item_id passes here so that the service refuses it with its own
        # code (price_from_catalog): the catalog alone prices its items.
        given = [f for f in OFF_CATALOG if f in data and f != "unit_price"]
        if "item_id" in data:
            if given or "attributes" in data:
                raise ValidationError("Give either item_id, or a described item, not both.", "item_id")
        else:
            missing = {f: ["Required for an item outside the catalog."] for f in OFF_CATALOG if f not in data}
            if missing:
                raise ValidationError(missing)
            if data["unit_price"] <= 0:
                raise ValidationError({"unit_price": ["An item outside the catalog needs an estimated price above 0."]})


def document_line_choice(schemas: dict) -> None:
    """LineIn in the document as the two lines catalog_or_described accepts, one of them exactly.

    apispec lists every field of LineInSchema as optional, which lets a generator (and a client)
    build lines the API refuses; `oneOf` says what the validator says: an item from the catalog,
    or a described item with all of OFF_CATALOG (and maybe its attributes), never both.
    """
    line = schemas["LineIn"]
    props = line.pop("properties")
    common = ("quantity", "swapped_from_item_id")

    def variant(fields_: tuple[str, ...], required: tuple[str, ...]) -> dict:
        return {"type": "object", "properties": {f: props[f] for f in fields_ + common},
                "required": sorted(required + ("quantity",)), "additionalProperties": False}

    line.pop("required", None)
    line.pop("additionalProperties", None)
    line["oneOf"] = [variant(("item_id",), ("item_id",)),
                     variant(OFF_CATALOG + ("attributes",), OFF_CATALOG)]


class SupplyRequestInSchema(StrictSchema):
    purpose = fields.String(required=True, validate=[validate.Length(1, 500), not_blank])
    needed_by = OfficeDate(allow_none=True)
    lines = fields.List(fields.Nested(LineInSchema), required=True, validate=validate.Length(1, 100))


class SupplyRequestPatchSchema(StrictSchema):
    version = fields.Integer(required=True, validate=validate.Range(1, ID_MAX))
    purpose = fields.String(validate=[validate.Length(1, 500), not_blank])
    needed_by = OfficeDate(allow_none=True)
    lines = fields.List(fields.Nested(LineInSchema), validate=validate.Length(1, 100))

    @validates_schema
    def something_to_change(self, data, **kwargs):
        if not set(data) - {"version"}:
            raise ValidationError("Nothing to change: give purpose, needed_by or lines.", "_body")


class ActionSchema(StrictSchema):
    version = fields.Integer(required=True, validate=validate.Range(1, ID_MAX))
    comment = fields.String(validate=validate.Length(0, 2000))
    justification = fields.String(validate=validate.Length(0, 4000))


class EvaluateSchema(StrictSchema):
    lines = fields.List(fields.Nested(LineInSchema), required=True, validate=validate.Length(1, 100))


class SuggestionSchema(StrictSchema):
    item_id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    name_zh = fields.String()
    unit = fields.String()
    unit_price = fields.String()


class FindingSchema(StrictSchema):
    rule_id = fields.String()
    outcome = fields.String(metadata={"enum": ["pass", "warn", "exception", "block"]})
    line = fields.Integer(allow_none=True, metadata={"description": "Index of the line; null for the whole request."})
    message = fields.String()
    message_key = fields.String()
    params = fields.Dict()
    suggestions = fields.List(fields.Nested(SuggestionSchema))
    policy_version = fields.String()


class EvaluationSchema(StrictSchema):
    policy_version = fields.String()
    total = Money()
    outcome = fields.String()
    findings = fields.List(fields.Nested(FindingSchema))


class LineSchema(StrictSchema):
    id = fields.Integer()
    position = fields.Integer()
    item_id = fields.Integer(allow_none=True)
    description = fields.String()
    category = fields.String()
    unit = fields.String()
    unit_price = Money()
    quantity = Quantity()
    amount = Money()
    supplier = fields.String(allow_none=True)
    attributes = fields.Dict()
    swapped_from_item_id = fields.Integer(allow_none=True)
    purchase_order_id = fields.Integer(allow_none=True)
    received_quantity = Quantity()
    spend = Money()


class PersonSchema(StrictSchema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()


class DepartmentRefSchema(StrictSchema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    name_zh = fields.String()


class SupplyRequestSchema(StrictSchema):
    id = fields.Integer()
    number = fields.String()
    status = fields.String(metadata={"enum": STATES})
    version = fields.Integer()
    purpose = fields.String()
    needed_by = fields.Date(allow_none=True)
    total = Money()
    justification = fields.String(allow_none=True)
    policy_version = fields.String(allow_none=True)
    needs_office_review = fields.Boolean()
    committed_amount = Money(metadata={"description": "What the request holds of the department's budget."})
    requester = fields.Nested(PersonSchema)
    department = fields.Nested(DepartmentRefSchema)
    created_at = OfficeDateTime()
    updated_at = OfficeDateTime()
    submitted_at = OfficeDateTime(allow_none=True)
    lines = fields.List(fields.Nested(LineSchema))
    findings = fields.List(fields.Nested(FindingSchema))
    allowed_actions = fields.List(fields.String())


class SupplyRequestQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(STATES))
    department_id = fields.Integer(validate=validate.Range(1, ID_MAX))
    requester_id = fields.Integer(validate=validate.Range(1, ID_MAX))
    before_id = fields.Integer(validate=validate.Range(1, ID_MAX), metadata={"description": "Page on: the last id seen."})


class HistoryEventSchema(StrictSchema):
    id = fields.Integer()
    action = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    actor = fields.String()
    on_behalf_of = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    policy_version = fields.String(allow_none=True)
    data = fields.Dict()
    created_at = OfficeDateTime()
