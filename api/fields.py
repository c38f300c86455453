"""Schema building blocks shared by every resource: office-zone times, money, strict schemas."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app
from marshmallow import RAISE, Schema, fields, validate


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
        zone = ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Shanghai"))
        return value.astimezone(zone).isoformat()


def Money(**kwargs):
    return fields.Decimal(places=2, as_string=True, **kwargs)


def Quantity(**kwargs):
    return fields.Decimal(as_string=True, **kwargs)


class ApiErrorSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class PageQuerySchema(StrictSchema):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200),
                           metadata={"description": "Page size, 1–200."})
