"""Catalog item schemas; also used by the CSV/XLSX import to check every row."""
from marshmallow import fields, validate

from api.fields import not_blank, ID_MAX, Money, PageQuerySchema, StrictSchema
from workflow.procurement.catalog import CATEGORIES


class CatalogItemInSchema(StrictSchema):
    sku = fields.String(required=True, validate=[validate.Length(1, 64), not_blank])
    name = fields.String(required=True, validate=[validate.Length(1, 200), not_blank])
    name_zh = fields.String(load_default="", validate=validate.Length(0, 200))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    unit = fields.String(required=True, validate=[validate.Length(1, 32), not_blank])
    unit_price = Money(required=True, validate=validate.Range(0, 10**11))
    supplier = fields.String(required=True, validate=[validate.Length(1, 200), not_blank])
    recyclable = fields.Boolean(load_default=False)
    recycled_content_pct = fields.Integer(load_default=0, validate=validate.Range(0, 100))
    single_use = fields.Boolean(load_default=False)
    plastic = fields.Boolean(load_default=False)
    biodegradable = fields.Boolean(load_default=False)
    remanufactured = fields.Boolean(load_default=False)
    led = fields.Boolean(load_default=False)
    energy_grade = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 5))
    water_saving = fields.Boolean(load_default=False)
    green_listed = fields.Boolean(load_default=False)
    active = fields.Boolean(load_default=True)


class CatalogItemPatchSchema(CatalogItemInSchema):
    """Every field optional: only those given change."""

    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class CatalogItemSchema(CatalogItemInSchema):
    id = fields.Integer()
    green = fields.Boolean(metadata={"description": "Passes every block and exception GP-* rule."})


class CatalogQuerySchema(PageQuerySchema):
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    q = fields.String(validate=validate.Length(1, 100))
    green = fields.Boolean()
    after_id = fields.Integer(load_default=0, validate=validate.Range(0, ID_MAX))
