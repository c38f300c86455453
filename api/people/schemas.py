"""Schemas of users, departments and budgets."""
from marshmallow import fields, validate

from api.fields import not_blank, Money, StrictSchema
from workflow.kernel.access import ROLES


class UserSchema(StrictSchema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    email = fields.String(allow_none=True)
    role = fields.String(metadata={"enum": list(ROLES)})
    department = fields.String(allow_none=True)
    language = fields.String()
    active = fields.Boolean()


class UserInSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{2,64}$"))
    password = fields.String(required=True, load_only=True, validate=validate.Length(8, 200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    department = fields.String(validate=validate.Length(1, 32), metadata={"description": "Department code."})
    full_name = fields.String(validate=validate.Length(0, 200))
    email = fields.Email(validate=validate.Length(0, 254))
    language = fields.String(validate=validate.OneOf(["en", "zh"]))


class DepartmentSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Z0-9_-]{1,32}$"))
    name = fields.String(required=True, validate=[validate.Length(1, 200), not_blank])
    name_zh = fields.String(validate=validate.Length(0, 200))
    headcount = fields.Integer(required=True, validate=validate.Range(0, 100_000))


class BudgetSchema(StrictSchema):
    department_id = fields.Integer()
    department = fields.String()
    year = fields.Integer()
    amount = Money()
    committed = Money()
    spent = Money()
    remaining = Money()


class BudgetInSchema(StrictSchema):
    amount = Money(required=True, validate=validate.Range(0, 10**11))


class BudgetQuerySchema(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(2000, 2100))
