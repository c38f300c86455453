"""Schema building blocks shared by every resource: office-zone times, money, strict schemas."""
from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from marshmallow import RAISE, Schema, ValidationError, fields, validate


class StrictSchema(Schema):
    """Unknown fields are an error, never silently dropped or copied onto a model."""

    class Meta:
        unknown = RAISE
        ordered = True


class OfficeDateTime(fields.DateTime):
    """Stored in UTC, shown in the office's zone (TIMEZONE, Asia/Shanghai by default) with its offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(_office_zone()).isoformat()

    def _deserialize(self, value, attr, data, **kwargs):
        # A time given without an offset is read as the office's local time.
        moment = super()._deserialize(value, attr, data, **kwargs)
        return moment.replace(tzinfo=_office_zone()) if moment.tzinfo is None else moment


def _office_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Shanghai"))


def Money(**kwargs):
    return fields.Decimal(places=2, as_string=True, **kwargs)


class _Quantity(fields.Decimal):
    """Quantities as plain decimal strings: "10", "2.5" (not the stored "10.000")."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return format(Decimal(str(value)).normalize(), "f")


def Quantity(**kwargs):
    return _Quantity(as_string=True, **kwargs)


class ApiErrorSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class PageQuerySchema(StrictSchema):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200),
                           metadata={"description": "Page size, 1–200."})


def at_most_places(places: int):
    def check(value: Decimal):
        if value.as_tuple().exponent < -places:
            raise ValidationError(f"At most {places} decimal places.")
    return check


def OrderedQuantity(**kwargs):
    """A quantity someone asks for or receives: above 0, at most a million, three decimals."""
    return Quantity(validate=[validate.Range(0, 1_000_000, min_inclusive=False), at_most_places(3)], **kwargs)


def UnitPrice(**kwargs):
    """A price per unit in CNY: not negative, two decimals."""
    return Money(validate=[validate.Range(0, 10**9), at_most_places(2)], **kwargs)
