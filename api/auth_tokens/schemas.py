"""Schemas for API tokens."""
from marshmallow import fields, validate

from api.fields import OfficeDateTime, StrictSchema


class TokenRequestSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(1, 64))
    password = fields.String(required=True, validate=validate.Length(1, 200), load_only=True)
    name = fields.String(load_default="", validate=validate.Length(0, 100))


class NewTokenSchema(StrictSchema):
    id = fields.Integer()
    token = fields.String(metadata={"description": "Shown once; send it as `Authorization: Bearer <token>`."})


class TokenSchema(StrictSchema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    created_at = OfficeDateTime()
    expires_at = OfficeDateTime()
    last_used_at = OfficeDateTime(allow_none=True)
    revoked_at = OfficeDateTime(allow_none=True)
